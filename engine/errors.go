package engine

import (
	"errors"
	"fmt"
)

// Code classifies an error so that callers can react without parsing text.
type Code string

// The error codes Provisio uses everywhere.
const (
	Invalid     Code = "invalid"     // bad input or configuration; the message says what was expected
	NotFound    Code = "not found"   // the thing asked for does not exist
	Conflict    Code = "conflict"    // the change clashes with the current state
	Blocked     Code = "blocked"     // a threshold stopped the run until an administrator decides
	Unavailable Code = "unavailable" // a resource is busy or unreachable; trying again may help
	Canceled    Code = "canceled"    // the administrator cancelled the run
	Internal    Code = "internal"    // a bug or a corrupted store
)

// Error is the error type of the engine: a code, a message written for an
// administrator (which already includes what the cause said), and optionally
// the underlying cause for errors.Is and errors.As.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A
// %w verb in format makes the wrapped error the cause.
func Errorf(code Code, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap returns an *Error with the given code whose message is the formatted
// text followed by err's message.
func Wrap(code Code, err error, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...) + ": " + err.Error(), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal
// for any other non-nil error and "" for nil. A context cancellation is
// reported as Canceled.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, errContextCanceled) {
		return Canceled
	}
	return Internal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
