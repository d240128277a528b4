package voximplant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// AccountInfo is one child account as GetChildrenAccounts returns it. The
// API's schema makes only account_id, account_name, account_email, created
// and active always present; every other field is an Opt, whose Set is
// false when the answer left it out (brief output, or a field the account
// does not have): a missing field is unknown, not false or zero.
type AccountInfo struct {
	AccountID                   int64        `json:"account_id"`
	AccountName                 string       `json:"account_name"`
	AccountEmail                string       `json:"account_email"`
	Active                      bool         `json:"active"`
	Frozen                      Opt[bool]    `json:"frozen,omitzero"`
	LanguageCode                Opt[string]  `json:"language_code,omitzero"`
	Location                    Opt[string]  `json:"location,omitzero"`
	MinBalanceToNotify          Opt[float64] `json:"min_balance_to_notify,omitzero"`
	AccountNotifications        Opt[bool]    `json:"account_notifications,omitzero"`
	TariffChangingNotifications Opt[bool]    `json:"tariff_changing_notifications,omitzero"`
	NewsNotifications           Opt[bool]    `json:"news_notifications,omitzero"`
	SupportRobokassa            Opt[bool]    `json:"support_robokassa,omitzero"`
	SupportBankCard             Opt[bool]    `json:"support_bank_card,omitzero"`
	SupportInvoice              Opt[bool]    `json:"support_invoice,omitzero"`
}

// ChildrenAccounts is one page of GetChildrenAccounts: Count accounts of
// TotalCount matching ones.
type ChildrenAccounts struct {
	Result     []AccountInfo `json:"result"`
	TotalCount int           `json:"total_count"`
	Count      int           `json:"count"`
}

// ErrReadSelector is returned, with nothing sent, by a GetChildrenAccounts
// that does not name its accounts. [Classify] makes it Fatal: it is a bug
// in the caller.
var ErrReadSelector = errors.New("GetChildrenAccounts: name the accounts to read with child_account_id, " +
	"child_account_name or child_account_email (the API's reference requires one; child_account_id=all is not for reading)")

// GetChildrenAccounts reads child accounts. params must name them, as the
// API's reference requires: one of child_account_id (a ";"-joined list of
// ids; "all" is not for reading), child_account_name or child_account_email,
// else ErrReadSelector; count, offset and the output options may follow.
// Empty values are not sent. An answer whose result is not a list of
// accounts is an error for [Classify].
func (c *Client) GetChildrenAccounts(ctx context.Context, params url.Values) (*ChildrenAccounts, error) {
	const method = "GetChildrenAccounts"
	if params.Get("child_account_id") == "" && params.Get("child_account_name") == "" && params.Get("child_account_email") == "" ||
		params.Get("child_account_id") == "all" {
		return nil, ErrReadSelector
	}
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
