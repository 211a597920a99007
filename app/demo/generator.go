package demo

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

// role is what a person row is for, beyond being an ordinary employee.
type role uint8

const (
	roleNormal role = iota
	roleManager
	roleDuplicate
	roleNoLastName
	roleNoStartDate
)

// class is where a person stands on the AsOf day.
type class uint8

const (
	classCurrent class = iota
	classFuture
	classLeaver
)

// level is a department's depth in the tree.
type level uint8

const (
	levelRoot level = iota
	levelDivision
	levelDepartment
	levelTeam
)

// department is a node of the generated department tree.
type department struct {
	code, name string
	parent     int // -1 for the root
	level      level
	division   int // index in divisions; -1 for the root
	manager    int // person index
	location   string
	costCenter string
}

// generator holds what must be known before rows are written: the
// department tree, the employee numbers and the role of each row. Rows
// themselves are generated one at a time and streamed.
type generator struct {
	opts  Options
	r     *rand.Rand
	depts []department
	// deptWeights are cumulative weights for choosing a department:
	// teams have many people, the board few.
	deptWeights []int
	empNo       []int32
	roles       []role
	managerOf   map[int32]int32 // person index → managed department
	original    map[int32]int32 // duplicate row → the row it repeats
	// kept are the identities of the rows that a later duplicate repeats.
	kept map[int32]identity
	// people holds a hash of every (name, birth date), so that only the
	// intended duplicates look alike.
	people map[uint64]struct{}
	// emails counts the users of each e-mail local part.
	emails map[uint64]uint16
	// folded remembers names without diacritics (see fold).
	folded map[string]string
	// groupW are the cumulative weights of nameGroups.
	groupW []int
	// dirs collects the accounts of the targets' directory files.
	dirs *directories
}

func newGenerator(opts Options) *generator {
	n := opts.Persons
	g := &generator{
		opts:      opts,
		r:         rand.New(rand.NewPCG(opts.Seed, 0x70726f766973696f)), // "provisio"
		managerOf: map[int32]int32{},
		original:  map[int32]int32{},
		kept:      map[int32]identity{},
		people:    make(map[uint64]struct{}, n),
		emails:    make(map[uint64]uint16, n),
		folded:    map[string]string{},
		dirs:      newDirectories(n),
	}
	total := 0
	for _, ng := range nameGroups {
		total += ng.weight
		g.groupW = append(g.groupW, total)
	}
	// Employee numbers rise with the date of entry into the HR system;
	// the gaps are people purged from it long ago.
	g.empNo = make([]int32, n)
	next := int32(100001)
	for i := range g.empNo {
		g.empNo[i] = next
		next++
		if g.r.IntN(8) == 0 {
			next += int32(1 + g.r.IntN(3))
		}
	}
	g.buildDepartments()
	g.assignRoles()
	return g
}

// departmentCount is about one department per 25 persons, at least 12.
func departmentCount(persons int) int {
	return max(12, (persons+12)/25)
}

// buildDepartments makes the department tree: the organisation at the
// root, divisions, their departments, and teams in the departments.
func (g *generator) buildDepartments() {
	total := departmentCount(g.opts.Persons)
	nDiv := min(len(divisions), max(3, total/40))
	rest := total - 1 - nDiv
	nDept := max(nDiv, rest/5)
	if rest <= 20 {
		nDept = (rest + 1) / 2
	}
	nTeam := rest - nDept

	city := func() string { return cities[g.r.IntN(len(cities))] }
	g.depts = append(g.depts, department{code: "ORG", name: EmployerName, parent: -1, level: levelRoot, division: -1, location: cities[0], costCenter: "1000"})
	for v := range nDiv {
		d := divisions[v]
		g.depts = append(g.depts, department{code: d.code, name: d.name, parent: 0, level: levelDivision, division: v,
			location: city(), costCenter: strconv.Itoa(1100 + 100*v)})
	}
	// Departments are shared out evenly among the divisions; their names
	// are the division's functions, then the functions again per city.
	width := digits((nDept + nDiv - 1) / nDiv)
	firstDept := len(g.depts)
	for v := range nDiv {
		count := nDept / nDiv
		if v < nDept%nDiv {
			count++
		}
		fs := divisions[v].functions
		for i := range count {
			name := fs[i%len(fs)]
			if round := i / len(fs); round > 0 {
				name += " " + cities[(round-1)%len(cities)]
				if extra := (round - 1) / len(cities); extra > 0 {
					name += " " + strconv.Itoa(extra+1)
				}
			}
			g.depts = append(g.depts, department{code: divisions[v].code + "-" + pad(i+1, width), name: name, parent: 1 + v,
				level: levelDepartment, division: v, location: city(), costCenter: strconv.Itoa(10000 + len(g.depts) - firstDept)})
		}
	}
	// Teams go to random departments, so some departments have many and
	// some none, as in a real organisation.
	perDept := make([]int, nDept)
	parents := make([]int, nTeam)
	for t := range parents {
		parents[t] = g.r.IntN(nDept)
		perDept[parents[t]]++
	}
	sort.Ints(parents) // list a department's teams together
	maxTeams := 0
	for _, c := range perDept {
		maxTeams = max(maxTeams, c)
	}
	width = digits(maxTeams)
	clear(perDept)
	for _, p := range parents {
		pd := g.depts[firstDept+p]
		i := perDept[p]
		perDept[p]++
		name := pd.name + " Team " + teamNames[i%len(teamNames)]
		if i >= len(teamNames) {
			name += " " + strconv.Itoa(i/len(teamNames)+1)
		}
		g.depts = append(g.depts, department{code: pd.code + "-" + pad(i+1, width), name: name, parent: firstDept + p,
			level: levelTeam, division: pd.division, location: pd.location, costCenter: pd.costCenter})
	}
	weights := [4]int{levelRoot: 2, levelDivision: 5, levelDepartment: 8, levelTeam: 12}
	sum := 0
	for _, d := range g.depts {
		sum += weights[d.level]
		g.deptWeights = append(g.deptWeights, sum)
	}
}

// digits is the width of n's decimal form, at least 2.
func digits(n int) int { return max(2, len(strconv.Itoa(n))) }

// pad writes n with leading zeros to the given width.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// assignRoles picks the department managers, the rows missing a required
// field and the duplicates, each a different row.
func (g *generator) assignRoles() {
	n := g.opts.Persons
	g.roles = make([]role, n)
	perm := g.r.Perm(n)
	next := 0
	for d := range g.depts {
		i := perm[next]
		next++
		g.roles[i] = roleManager
		g.depts[d].manager = i
		g.managerOf[int32(i)] = int32(d)
	}
	missing := max(2, int(math.Round(float64(n)*0.003)))
	for k := range missing {
		i := perm[next]
		next++
		g.roles[i] = roleNoLastName
		if k%2 == 1 {
			g.roles[i] = roleNoStartDate
		}
	}
	// A duplicate repeats an earlier, ordinary row; no row is repeated
	// twice.
	dups := max(3, int(math.Round(float64(n)*0.002)))
	for made := 0; made < dups && next < n; next++ {
		j := perm[next]
		if j < n/10 {
			continue // too early in the file to repeat anyone
		}
		k := -1
		for range 50 {
			c := g.r.IntN(j)
			if g.canRepeat(c) {
				k = c
				break
			}
		}
		for c := j - 1; k < 0 && c >= 0; c-- {
			if g.canRepeat(c) {
				k = c
			}
		}
		if k < 0 {
			continue
		}
		g.roles[j] = roleDuplicate
		g.original[int32(j)] = int32(k)
		g.kept[int32(k)] = identity{}
		made++
	}
}

// canRepeat reports whether row i can be the original of a duplicate.
func (g *generator) canRepeat(i int) bool {
	if _, taken := g.kept[int32(i)]; taken {
		return false
	}
	return g.roles[i] == roleNormal || g.roles[i] == roleManager
}

// writeDepartments writes the department tree, parents before children.
func (g *generator) writeDepartments(w *csv.Writer) error {
	row := make([]string, len(departmentsHeader))
	for _, d := range g.depts {
		row[0], row[1], row[2] = d.code, d.name, ""
		if d.parent >= 0 {
			row[2] = g.depts[d.parent].code
		}
		row[3] = strconv.Itoa(int(g.empNo[d.manager]))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// writePersons writes every person row and its contract rows.
func (g *generator) writePersons(pw, cw *csv.Writer, sum *Summary) error {
	prow := make([]string, len(personsHeader))
	crow := make([]string, len(contractsHeader))
	var cs []contract
	asOf := g.opts.AsOf
	soon := asOf.AddDays(30)
	for i := range g.opts.Persons {
		id := g.person(i)
		no := strconv.Itoa(int(g.empNo[i]))
		prow[0], prow[1], prow[2], prow[3] = no, id.first, id.initials, id.nick
		prow[4], prow[5], prow[6], prow[7] = id.prefix, id.last, id.partnerPrefix, id.partnerLast
		prow[8], prow[9], prow[10], prow[11] = id.convention, formatDate(id.birth), id.gender, id.email
		prow[12], prow[13] = id.mobile, id.lang
		if err := pw.Write(prow); err != nil {
			return err
		}

		cs = g.contracts(i, id, cs[:0])
		g.dirs.consider(g, i, id, cs)
		future, left := true, true
		for k, c := range cs {
			crow[0], crow[1] = no+"-"+strconv.Itoa(k+1), no
			crow[2], crow[3] = formatDate(c.start), formatDate(c.end)
			if k == 0 && g.roles[i] == roleNoStartDate {
				crow[2] = ""
			}
			crow[4], crow[5], crow[6] = c.typ, "", ""
			if c.fte > 0 {
				crow[5], crow[6] = formatDecimal(c.fte), formatDecimal(math.Round(c.fte*380)/10)
			}
			d := &g.depts[c.dept]
			crow[7], crow[8], crow[9], crow[10] = d.code, d.name, c.jobCode, c.jobTitle
			crow[11], crow[12], crow[13], crow[14] = d.location, d.costCenter, "", c.shift
			if c.manager != 0 {
				crow[13] = strconv.Itoa(int(c.manager))
			}
			if err := cw.Write(crow); err != nil {
				return err
			}
			future = future && c.start > asOf
			left = left && !c.end.IsZero() && c.end < asOf
			if c.end > asOf && c.end <= soon {
				sum.EndingSoon++
			}
		}
		sum.Persons++
		sum.Contracts += len(cs)
		switch {
		case future:
			sum.FutureHires++
		case left:
			sum.Leavers++
		}
		if len(cs) == 2 {
			sum.TwoContracts++
		}
		switch g.roles[i] {
		case roleDuplicate:
			sum.Duplicates++
		case roleNoLastName, roleNoStartDate:
			sum.MissingRequired++
		}
	}
	return nil
}

// classOf decides, once per row, whether the person is a future hire, a
// leaver or currently employed. Managers and rows missing a start date
// are employed.
func (g *generator) classOf(i int) class {
	switch g.roles[i] {
	case roleManager, roleNoStartDate:
		return classCurrent
	}
	// A hash of the row rather than the shared random stream, so that the
	// class can be asked for twice.
	h := uint64(i)*0x9E3779B97F4A7C15 ^ g.opts.Seed
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	switch x := h % 1000; {
	case x < 30:
		return classFuture
	case x < 80:
		return classLeaver
	}
	return classCurrent
}

// managerNumber returns the employee number of the manager of a
// department, or of its parent's for that manager; 0 for the top.
func (g *generator) managerNumber(dept int, self int32) int32 {
	for d := dept; d >= 0; d = g.depts[d].parent {
		if m := g.empNo[g.depts[d].manager]; m != self {
			return m
		}
	}
	return 0
}

func (g *generator) pickDepartment() int { return pick(g.r, g.deptWeights) }

// pick returns an index drawn with the given cumulative weights.
func pick(r *rand.Rand, cumulative []int) int {
	x := r.IntN(cumulative[len(cumulative)-1])
	return sort.SearchInts(cumulative, x+1)
}
