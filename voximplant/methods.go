package voximplant

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
)

// SetChildAccountInfo edits child accounts. params holds one selector
// (child_account_id, child_account_name or child_account_email, items joined
// by ";") and the changes; empty values are not sent. It returns nil only on
// {"result": 1}; any other answer is an error for [Classify].
func (c *Client) SetChildAccountInfo(ctx context.Context, params url.Values) error {
	const method = "SetChildAccountInfo"
	ans, err := c.post(ctx, method, params)
	if err != nil {
		return err
	}
	var env struct {
		Result json.Number `json:"result"`
	}
	dec := json.NewDecoder(bytes.NewReader(ans.body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil || env.Result.String() != "1" {
		why := "result is not 1"
		if err != nil {
			why = "result is not a number"
		}
		return ans.unexpected(0, why)
	}
	return nil
}

// AccountInfo is one child account as GetChildrenAccounts returns it. Fields
// absent from the answer (brief output) are zero.
type AccountInfo struct {
	AccountID                   int64   `json:"account_id"`
	AccountName                 string  `json:"account_name"`
	AccountEmail                string  `json:"account_email"`
	Active                      bool    `json:"active"`
	Frozen                      bool    `json:"frozen"`
	LanguageCode                string  `json:"language_code"`
	Location                    string  `json:"location"`
	MinBalanceToNotify          float64 `json:"min_balance_to_notify"`
	AccountNotifications        bool    `json:"account_notifications"`
	TariffChangingNotifications bool    `json:"tariff_changing_notifications"`
	NewsNotifications           bool    `json:"news_notifications"`
	SupportRobokassa            bool    `json:"support_robokassa"`
	SupportBankCard             bool    `json:"support_bank_card"`
	SupportInvoice              bool    `json:"support_invoice"`
}

// ChildrenAccounts is one page of GetChildrenAccounts: Count accounts of
// TotalCount matching ones.
type ChildrenAccounts struct {
	Result     []AccountInfo `json:"result"`
	TotalCount int           `json:"total_count"`
	Count      int           `json:"count"`
}

// GetChildrenAccounts reads child accounts. params may hold child_account_id
// (a ";"-joined list), child_account_name, child_account_email, count,
// offset and the output options; empty values are not sent. An answer whose
// result is not a list of accounts is an error for [Classify].
func (c *Client) GetChildrenAccounts(ctx context.Context, params url.Values) (*ChildrenAccounts, error) {
	const method = "GetChildrenAccounts"
	ans, err := c.post(ctx, method, params)
	if err != nil {
		return nil, err
	}
	var out ChildrenAccounts
	if err := json.Unmarshal(ans.body, &out); err != nil || out.Result == nil {
		return nil, ans.unexpected(0, "result is not a list of accounts")
	}
	return &out, nil
}
