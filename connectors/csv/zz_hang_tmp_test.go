package csv

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"provisio/connectors/csv/zzold"
)

func TestTmpDifferential(t *testing.T) {
	alpha := []string{"{", "}", "[", "]", ":", ",", `"a"`, `"contracts"`, `"b"`, "1", "-2.5e3", "true", "null", " ", `"x\u00e9"`, "\xe9", `"\ud800"`, `"`, "0", "f", `"c\xe9"`, `"Ren\xc3\xa9e"`, `"q\"\\\/\n"`, "1E700", "{}", "[]"}
	r := rand.New(rand.NewPCG(3, 4))
	same, diffs, csame, cdiff := 0, 0, 0, 0
	for range 300_000 {
		line := genObject(r, 0, true)
		if r.IntN(3) == 0 && len(line) > 2 {
			i := r.IntN(len(line))
			switch r.IntN(3) {
			case 0:
				line = line[:i] + line[i+1:]
			case 1:
				line = line[:i] + alpha[r.IntN(len(alpha))] + line[i:]
			case 2:
				line = line[:i]
			}
		}
		for mode := range uint8(3) {
			for _, cf := range []string{"", "contracts"} {
				on, ov, obad, oerr := zzold.Flatten([]byte(line), mode, cf)
				p := flattener{contractsField: cf}
				switch mode {
				case 0:
					p.text = textDecoder{mode: textAuto}
				case 1:
					p.text = textDecoder{mode: textUTF8}
				case 2:
					p.text = textDecoder{mode: textCharmap, table: windows1252}
				}
				err := p.parse([]byte(line))
				if (err == nil) != (oerr == nil) {
					if strings.Count(line, "{")+strings.Count(line, "[") > 100 {
						continue
					}
					t.Fatalf("%q mode %d cf %q: old %v new %v", line, mode, cf, oerr, err)
				}
				if err != nil {
					oc, nc := colOf(oerr.Error()), colOf(err.Error())
					if oc != nc && oc != "" && nc != "" {
						cdiff++
						if cdiff < 8 {
							t.Logf("col %q mode %d:\n old %v\n new %v", line, mode, oerr, err)
						}
					} else {
						csame++
					}
					continue
				}
				var nn, nv [][]string
				all := append([]fields{p.person}, p.contracts...)
				for _, f := range all {
					nn = append(nn, f.names)
					nv = append(nv, f.values)
				}
				a := fmt.Sprintf("%q %q %q", on, ov, obad)
				b := fmt.Sprintf("%q %q %q", nn, nv, p.bad)
				if a != b && (utf8.ValidString(line) || mode == 2) {
					diffs++
					if diffs < 15 {
						t.Logf("%q mode %d cf %q:\n old %s\n new %s", line, mode, cf, a, b)
					}
					continue
				}
				same++
			}
		}
	}
	t.Log("same", same, "diffs", diffs, "colsame", csame, "coldiff", cdiff)
}

var strs = []string{`"a"`, `"b"`, `"contracts"`, `"a.b"`, `""`, `"x\u00e9\ud83d\ude00"`, "\"c\xe9\"", `"Ren\u00e9e"`, "\"Ren\xc3\xa9e\"", `"q\"\\\/\n\t"`, `"\ud800"`, "\"\xc3\xa9\xe9\""}
var nums = []string{"0", "-0", "1", "-2.5e3", "1E700", "0.80", "12345678901234567890", "1e-5"}

func ws(r *rand.Rand) string {
	return []string{"", "", "", " ", "  ", "\t"}[r.IntN(6)]
}

func genValue(r *rand.Rand, depth int) string {
	k := r.IntN(10)
	if depth > 3 {
		k = r.IntN(6)
	}
	switch k {
	case 0, 1:
		return strs[r.IntN(len(strs))]
	case 2:
		return nums[r.IntN(len(nums))]
	case 3:
		return []string{"true", "false", "null"}[r.IntN(3)]
	case 4, 5:
		return genScalarArray(r)
	case 6, 7:
		return genObject(r, depth+1, false)
	default:
		var b strings.Builder
		b.WriteString("[" + ws(r))
		n := r.IntN(4)
		for i := range n {
			if i > 0 {
				b.WriteString(ws(r) + "," + ws(r))
			}
			b.WriteString(genValue(r, depth+1))
		}
		b.WriteString(ws(r) + "]")
		return b.String()
	}
}

func genScalarArray(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("[" + ws(r))
	n := r.IntN(4)
	for i := range n {
		if i > 0 {
			b.WriteString(ws(r) + "," + ws(r))
		}
		switch r.IntN(3) {
		case 0:
			b.WriteString(strs[r.IntN(len(strs))])
		case 1:
			b.WriteString(nums[r.IntN(len(nums))])
		default:
			b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
		}
	}
	b.WriteString(ws(r) + "]")
	return b.String()
}

func genObject(r *rand.Rand, depth int, top bool) string {
	var b strings.Builder
	b.WriteString(ws(r) + "{" + ws(r))
	n := r.IntN(5)
	for i := range n {
		if i > 0 {
			b.WriteString(ws(r) + "," + ws(r))
		}
		b.WriteString(strs[r.IntN(len(strs))] + ws(r) + ":" + ws(r))
		if top && r.IntN(4) == 0 {
			// a contracts-like value
			switch r.IntN(4) {
			case 0:
				b.WriteString("null")
			case 1:
				b.WriteString(genObject(r, depth+1, false))
			default:
				b.WriteString("[" + genObject(r, depth+1, false) + "," + genObject(r, depth+1, false) + "]")
			}
			continue
		}
		b.WriteString(genValue(r, depth))
	}
	b.WriteString(ws(r) + "}" + ws(r))
	return b.String()
}

func colOf(s string) string {
	i := strings.Index(s, "column ")
	if i < 0 {
		return ""
	}
	s = s[i+7:]
	return s[:strings.IndexByte(s, ':')]
}
