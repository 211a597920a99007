package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"provisio/engine"
)

func TestDisplayNameOfFollowsTheNameConvention(t *testing.T) {
	jan := engine.Name{GivenName: "Jan", FamilyNamePrefix: "de", FamilyName: "Vries", FamilyNamePartnerPrefix: "van", FamilyNamePartner: "Dam"}
	tests := []struct {
		name       string
		convention string
		nick       string
		partner    bool
		want       string
	}{
		{"birth name", "B", "", true, "Jan de Vries"},
		{"no convention is the birth name", "", "", true, "Jan de Vries"},
		{"partner name", "P", "", true, "Jan van Dam"},
		{"birth then partner", "BP", "", true, "Jan de Vries-van Dam"},
		{"partner then birth", "pb", "", true, "Jan van Dam-de Vries"},
		{"nickname first", "B", "Jantje", true, "Jantje de Vries"},
		{"no partner name", "P", "", false, "Jan de Vries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := jan
			n.Convention, n.NickName = tt.convention, tt.nick
			if !tt.partner {
				n.FamilyNamePartner, n.FamilyNamePartnerPrefix = "", ""
			}
			assert.Equal(t, tt.want, engine.DisplayNameOf(n))
		})
	}
	assert.Equal(t, "", engine.DisplayNameOf(engine.Name{}))
}
