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
