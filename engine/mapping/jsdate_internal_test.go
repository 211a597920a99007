package mapping

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"provisio/engine"
)

func TestJSDateReadsTheDayTheSnippetMeant(t *testing.T) {
	newYork := time.FixedZone("UTC-5", -5*3600)
	tokyo := time.FixedZone("UTC+9", 9*3600)
	tests := []struct {
		name string
		t    time.Time
		want engine.Date
	}{
		{"UTC midnight exported west of Greenwich", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC).In(newYork), 20240131},
		{"UTC midnight exported east of Greenwich", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC).In(tokyo), 20240131},
		{"local midnight west", time.Date(2024, 1, 31, 0, 0, 0, 0, newYork), 20240131},
		{"local midnight east", time.Date(2024, 1, 31, 0, 0, 0, 0, tokyo), 20240131},
		{"local afternoon", time.Date(2024, 1, 31, 15, 30, 0, 0, newYork), 20240131},
		{"late evening local", time.Date(2024, 1, 31, 23, 59, 0, 0, tokyo), 20240131},
		{"UTC", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), 20240229},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, JSDate(tt.t))
		})
	}
}
