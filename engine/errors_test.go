package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"provisio/engine"
)

func TestErrorfWrapsTheCause(t *testing.T) {
	err := engine.Errorf(engine.NotFound, "source %q: %w", "hr", io.EOF)
	assert.Equal(t, `source "hr": EOF`, err.Error())
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, engine.NotFound, engine.ErrorCode(err))

	err = engine.Errorf(engine.Invalid, "no cause %d", 1)
	assert.Equal(t, "no cause 1", err.Error())
	assert.Nil(t, errors.Unwrap(err))
}

func TestWrapPrefixesTheMessage(t *testing.T) {
	err := engine.Wrap(engine.Unavailable, io.ErrUnexpectedEOF, "read %s", "persons.csv")
	assert.Equal(t, "read persons.csv: unexpected EOF", err.Error())
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.True(t, engine.IsCode(err, engine.Unavailable))
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want engine.Code
	}{
		{"nil", nil, ""},
		{"plain error", io.EOF, engine.Internal},
		{"engine error", engine.Errorf(engine.Conflict, "x"), engine.Conflict},
		{"wrapped engine error", fmt.Errorf("ctx: %w", engine.Errorf(engine.Blocked, "x")), engine.Blocked},
		{"context cancelled", fmt.Errorf("ctx: %w", context.Canceled), engine.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, engine.ErrorCode(tt.err))
		})
	}
}

func TestErrorWithOnlyACauseShowsTheCause(t *testing.T) {
	err := &engine.Error{Code: engine.Internal, Err: io.EOF}
	assert.Equal(t, "EOF", err.Error())
}

func TestCheckCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, engine.CheckCanceled(ctx))
	cancel()
	err := engine.CheckCanceled(ctx)
	require.Error(t, err)
	assert.True(t, engine.IsCode(err, engine.Canceled))
	assert.ErrorIs(t, err, context.Canceled)
}
