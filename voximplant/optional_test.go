package voximplant

import (
	"encoding/json"
	"testing"
)

func TestOptJSON(t *testing.T) {
	var a AccountInfo
	if err := json.Unmarshal([]byte(`{"account_id":1,"active":true,"support_robokassa":false,"language_code":null,"min_balance_to_notify":0}`), &a); err != nil {
		t.Fatal(err)
	}
	if v, ok := a.SupportRobokassa.Get(); v || !ok {
		t.Errorf("support_robokassa %v %v, want false, present", v, ok)
	}
	if a.LanguageCode.Set || a.SupportInvoice.Set || !a.MinBalanceToNotify.Set {
		t.Errorf("decoded %+v: null and absent must be missing, 0 present", a)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"account_id":1,"account_name":"","account_email":"","active":true,"min_balance_to_notify":0,"support_robokassa":false}`; string(b) != want {
		t.Errorf("marshal %s\nwant    %s", b, want)
	}
	if b, _ := json.Marshal(Opt[int]{}); string(b) != "null" {
		t.Errorf("a missing value marshals as %s", b)
	}
	if err := json.Unmarshal([]byte(`{"active":true,"frozen":"yes"}`), &a); err == nil {
		t.Error("a string decoded into a bool field")
	}
}
