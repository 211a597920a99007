package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"provisio/engine"
)

func TestRemoveDiacritics(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Zoë Ørsted-Müller", "Zoe Orsted-Muller"},
		{"Straße", "Strasse"},
		{"GROẞE", "GROSSE"},
		{"Łukasz Wałęsa", "Lukasz Walesa"},
		{"Ærø æble", "AEro aeble"},
		{"Œuvre cœur", "OEuvre coeur"},
		{"Nguyễn Thị Ánh", "Nguyen Thi Anh"},
		{"François Désirée Ñúñez", "Francois Desiree Nunez"},
		{"Đorđe Þór Ðan", "Dorde Thor Dan"},
		{"Çağrı Işık", "Cagri Isik"},
		{"Ħaġar", "Hagar"},
		{"José\u0301", "Jose"}, // an already decomposed accent
		{"plain ASCII, untouched: O'Brien-Smith 42", "plain ASCII, untouched: O'Brien-Smith 42"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, engine.RemoveDiacritics(tt.in))
		})
	}
}

func TestRemoveDiacriticsKeepsLettersWithoutAnASCIIForm(t *testing.T) {
	assert.Equal(t, "Ivanov Иванов", engine.RemoveDiacritics("Ivanov Иванов"))
	assert.Equal(t, "山田", engine.RemoveDiacritics("山田"))
}
