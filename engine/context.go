package engine

import "context"

var errContextCanceled = context.Canceled

// CheckCanceled returns a Canceled error when ctx is done, nil otherwise.
// Long loops call it every few thousand items.
func CheckCanceled(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return &Error{Code: Canceled, Msg: "cancelled", Err: ctx.Err()}
	default:
		return nil
	}
}

// ContextError returns the error a call ended by ctx reports: Unavailable
// when its deadline passed (a timeout: trying again may help), Canceled
// when it was cancelled; nil while ctx is live. what names the call.
func ContextError(ctx context.Context, what string) error {
	switch ctx.Err() {
	case nil:
		return nil
	case context.DeadlineExceeded:
		return &Error{Code: Unavailable, Msg: what + ": timed out", Err: ctx.Err()}
	default:
		return &Error{Code: Canceled, Msg: what + ": cancelled", Err: ctx.Err()}
	}
}
