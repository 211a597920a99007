package demo

import (
	"math/rand/v2"
	"strconv"

	"provisio/engine"
)

// contract is one generated contract row.
type contract struct {
	start, end engine.Date
	typ        string
	fte        float64 // 0: not recorded (on-call contracts)
	dept       int
	jobCode    string
	jobTitle   string
	manager    int32 // employee number; 0 for none
	shift      string
}

// contracts generates row i's contracts into cs.
func (g *generator) contracts(i int, id identity, cs []contract) []contract {
	r := g.r
	asOf := g.opts.AsOf
	age := id.birth.DaysUntil(asOf) / 365
	// the longest someone can have worked here: since their 18th birthday,
	// at most 40 years
	maxDays := max(30, min(40, age-18)*365)
	two := r.IntN(100) < g.opts.TwoContractsPercent
	consecutive := r.IntN(100) < 40
	newContract := func() contract {
		c := contract{dept: g.pickDepartment(), typ: contractType(r, age)}
		c.fte = fte(r, c.typ)
		return c
	}
	switch g.classOf(i) {
	case classFuture:
		c := newContract()
		c.start = firstOfMonthOften(r, asOf.AddDays(1+r.IntN(120)), asOf+1)
		c.end = fixedTermEnd(r, c)
		cs = append(cs, c)
		if two {
			c2 := newContract()
			c2.start = c.start.AddDays(r.IntN(30))
			c2.end = fixedTermEnd(r, c2)
			splitFte(r, &cs[0], &c2)
			cs = append(cs, c2)
		}
	case classLeaver:
		end := asOf.AddDays(-1 - r.IntN(730))
		if two && maxDays > 800 {
			c1, c2 := newContract(), newContract()
			length := 400 + r.IntN(maxDays-400)
			c1.start = end.AddDays(-length)
			c2.start = c1.start.AddDays(180 + r.IntN(length-360))
			c1.end, c2.end = c2.start.AddDays(-1), end
			cs = append(cs, c1, c2)
		} else {
			c := newContract()
			c.start = end.AddDays(-30 - r.IntN(maxDays))
			c.end = end
			cs = append(cs, c)
		}
	default:
		c := newContract()
		c.start = firstOfMonthOften(r, asOf.AddDays(-1-r.IntN(tenure(c.typ, maxDays))), 0)
		c.end = currentEnd(r, c, asOf)
		cs = append(cs, c)
		switch {
		case two && consecutive && asOf.DaysUntil(c.start) < -400:
			// a mover: the first contract ended when the next began
			c2 := newContract()
			c2.start = c.start.AddDays(180 + r.IntN(-asOf.DaysUntil(c.start)-200))
			c2.end = currentEnd(r, c2, asOf)
			cs[0].end = c2.start.AddDays(-1)
			if cs[0].typ != "On-call" && cs[0].start.DaysUntil(cs[0].end) < 3*365 {
				cs[0].typ = "Fixed-term" // then a permanent contract, often
			}
			cs = append(cs, c2)
		case two:
			// a second, part-time job next to the first
			c2 := newContract()
			from := max(c.start, asOf.AddDays(-tenure(c2.typ, maxDays)))
			c2.start = from.AddDays(r.IntN(max(1, from.DaysUntil(asOf))))
			c2.end = currentEnd(r, c2, asOf)
			splitFte(r, &cs[0], &c2)
			cs = append(cs, c2)
		}
	}
	for k := range cs {
		cs[k].typ = fitType(cs[k])
	}
	main := -1
	if d, ok := g.managerOf[int32(i)]; ok {
		// The manager's current contract is in the department they run,
		// permanent and (nearly) full-time; a second job stays small.
		main = len(cs) - 1
		if len(cs) == 2 && cs[0].end.IsZero() {
			main = 0
		}
		m := &cs[main]
		m.dept, m.typ, m.end = int(d), "Permanent", 0
		m.fte = max(m.fte, 0.8)
		if len(cs) == 2 {
			if o := &cs[1-main]; o.fte > 0 && (o.end.IsZero() || o.end >= asOf) {
				m.fte, o.fte = 0.8, min(o.fte, 0.2)
			}
		}
	}
	no := g.empNo[i]
	for k := range cs {
		c := &cs[k]
		d := &g.depts[c.dept]
		c.jobCode, c.jobTitle = g.job(r, d, c, k == main)
		if r.IntN(2) == 0 {
			c.manager = g.managerNumber(c.dept, no)
		}
		c.shift = ""
		if d.division >= 0 && divisions[d.division].shifts {
			c.shift = [...]string{"Day", "Day", "Evening", "Night", "Rotating"}[r.IntN(5)]
		}
	}
	return cs
}

// tenure is the longest a contract of the given type runs up to now:
// Dutch law allows fixed-term contracts for three years, internships
// last months.
func tenure(typ string, maxDays int) int {
	switch typ {
	case "Fixed-term":
		return min(maxDays, 3*365)
	case "Internship":
		return min(maxDays, 300)
	}
	return maxDays
}

// fitType makes a contract's type fit how long it ran: a "fixed-term"
// contract of ten years was a permanent one.
func fitType(c contract) string {
	if c.end.IsZero() {
		return c.typ
	}
	days := c.start.DaysUntil(c.end)
	switch {
	case c.typ == "Internship" && days > 3*365, c.typ == "Fixed-term" && days > 3*365:
		return "Permanent"
	case c.typ == "Internship" && days > 365:
		return "Fixed-term"
	}
	return c.typ
}

// job picks a job in the contract's department: the manager's title for
// the department's manager, else one of the division's jobs.
func (g *generator) job(r *rand.Rand, d *department, c *contract, manages bool) (code, title string) {
	if manages {
		return "MGT0" + strconv.Itoa(int(d.level)+1), managerJobs[d.level]
	}
	if d.division < 0 {
		k := r.IntN(len(rootJobs))
		return "ORG" + pad(k+1, 2), rootJobs[k]
	}
	jobs := divisions[d.division].jobs
	if c.typ == "Internship" {
		return divisions[d.division].code + "99", "Intern"
	}
	k := r.IntN(len(jobs))
	return divisions[d.division].code + pad(k+1, 2), jobs[k]
}

// contractType picks a contract type; young people are often interns.
func contractType(r *rand.Rand, age int) string {
	x := r.IntN(100)
	switch {
	case age < 25 && x < 20:
		return "Internship"
	case x < 70:
		return "Permanent"
	case x < 92:
		return "Fixed-term"
	default:
		return "On-call"
	}
}

// fteChoices weigh full-time and the usual part-time sizes.
var fteChoices = []float64{1, 1, 1, 1, 1, 0.9, 0.9, 0.8, 0.8, 0.8, 0.7, 0.6, 0.6, 0.5, 0.4}

// fte picks a contract's size; on-call contracts record none.
func fte(r *rand.Rand, typ string) float64 {
	if typ == "On-call" {
		return 0
	}
	return fteChoices[r.IntN(len(fteChoices))]
}

// splitFte makes two concurrent contracts add up to at most one FTE.
func splitFte(r *rand.Rand, a, b *contract) {
	if a.fte == 0 || b.fte == 0 {
		return
	}
	total := 6 + r.IntN(5) // tenths
	part := 1 + r.IntN(total-2)
	a.fte, b.fte = float64(total-part)/10, float64(part)/10
}

// currentEnd is the end date of a contract running on asOf: none for most,
// within a year for fixed-term contracts (a quarter of them within 30
// days), and, for a few permanent ones, a notice period already given.
func currentEnd(r *rand.Rand, c contract, asOf engine.Date) engine.Date {
	switch c.typ {
	case "Fixed-term", "Internship":
		if r.IntN(4) == 0 {
			return asOf.AddDays(1 + r.IntN(30))
		}
		return lastOfMonth(asOf.AddDays(31 + r.IntN(335)))
	case "Permanent":
		if r.IntN(50) == 0 {
			return asOf.AddDays(1 + r.IntN(60))
		}
	}
	return 0
}

// fixedTermEnd is the end date of a contract that starts in the future.
func fixedTermEnd(r *rand.Rand, c contract) engine.Date {
	if c.typ == "Fixed-term" || c.typ == "Internship" {
		return c.start.AddDays(180 + r.IntN(186))
	}
	return 0
}

// firstOfMonthOften moves most start dates to the first of their month, as
// HR departments prefer, unless that would be before notBefore.
func firstOfMonthOften(r *rand.Rand, d, notBefore engine.Date) engine.Date {
	if r.IntN(10) < 6 {
		if f := engine.NewDate(d.Year(), d.Month(), 1); f >= notBefore {
			return f
		}
	}
	return d
}

// lastOfMonth returns the last day of d's month.
func lastOfMonth(d engine.Date) engine.Date {
	return engine.NewDate(d.Year(), d.Month()+1, 0)
}
