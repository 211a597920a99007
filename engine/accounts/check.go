package accounts

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// A snippet is checked before it runs: every chain of property reads that
// starts at Person (Person.Name.GivenName, Person["Custom"].Shift,
// Person.Manager?.Contact) must name fields the tree has, and every
// Person.Accounts.<target> names the targets the mapping depends on. So a
// typo is a configuration error, found when the mapping is saved rather
// than when the first person is evaluated; the Person object still
// refuses unknown properties that only exist at run time (Person.Name[k]).

// reads lists what a snippet reads of the Person tree.
type reads struct {
	accounts []accountRead
	problem  string // the first unknown field, with its line
}

// accountRead is one Person.Accounts.<key>[.<attribute>] of a snippet.
type accountRead struct {
	key, attribute string // attribute is "" when the snippet reads no attribute by name
	line           int
	person         bool // the chain starts at Person
}

// analyse parses src and finds what it reads.
func analyse(src string, t *tree) reads {
	prg, err := parser.ParseFile(nil, "", src, 0)
	if err != nil {
		// a function body, as CompileSnippet compiles it
		prg, err = parser.ParseFile(nil, "", "(function(){"+src+"\n})()", 0)
		if err != nil {
			return reads{}
		}
	}
	var nodes []ast.Node
	walk(reflect.ValueOf(prg), func(n ast.Node) { nodes = append(nodes, n) })
	shadowed := false
	for _, n := range nodes {
		if declares(n, "Person") {
			shadowed = true
		}
	}
	var r reads
	line := func(n ast.Node) int {
		return prg.File.Position(int(n.Idx0()) - prg.File.Base()).Line
	}
	for _, n := range nodes {
		root, segs, ok := chain(n)
		if !ok {
			continue
		}
		person := root == "Person" && !shadowed
		// Person.Accounts.<key>, or <anything>.Accounts.<key>
		for i := 0; i+1 < len(segs); i++ {
			if segs[i] == "Accounts" && segs[i+1] != "" {
				a := accountRead{key: segs[i+1], line: line(n), person: person && i == 0}
				if i+2 < len(segs) {
					a.attribute = segs[i+2]
				}
				r.accounts = append(r.accounts, a)
			}
		}
		if person && r.problem == "" {
			if p := t.check(segs); p != "" {
				r.problem = fmt.Sprintf("%s (line %d)", p, line(n))
			}
		}
	}
	return r
}

// chain returns the names of a chain of property reads (a.b["c"]?.d), its
// root identifier, and ok when n is such a chain. A computed property
// ends the chain with "".
func chain(n ast.Node) (string, []string, bool) {
	var segs []string
	e, ok := n.(ast.Expression)
	if !ok {
		return "", nil, false
	}
	switch e.(type) {
	case *ast.DotExpression, *ast.BracketExpression:
	default:
		return "", nil, false
	}
	for {
		switch x := e.(type) {
		case *ast.DotExpression:
			segs = append(segs, x.Identifier.Name.String())
			e = x.Left
		case *ast.BracketExpression:
			switch m := x.Member.(type) {
			case *ast.StringLiteral:
				segs = append(segs, m.Value.String())
			case *ast.NumberLiteral:
				segs = append(segs, m.Literal)
			default:
				segs = segs[:0]
				segs = append(segs, "")
			}
			e = x.Left
		case *ast.Optional:
			e = x.Expression
		case *ast.OptionalChain:
			e = x.Expression
		case *ast.Identifier:
			reverse(segs)
			return x.Name.String(), segs, true
		default:
			reverse(segs)
			return "", segs, true
		}
	}
}

func reverse(s []string) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// check returns what is wrong with a chain of reads from Person, or "".
func (t *tree) check(segs []string) string {
	n, path := t.root, "Person"
	for i, seg := range segs {
		if seg == "" {
			return "" // computed: checked when it runs
		}
		switch n.kind {
		case kindGroup, kindPrimary, kindManager:
		case kindContracts:
			if i+1 < len(segs) && isIndex(seg) {
				n, path = n.elem, path+"["+seg+"]"
				continue
			}
			return ""
		default:
			return "" // a value's own properties and methods, or Accounts (checked apart)
		}
		k, ok := n.child(seg)
		if !ok {
			if inherited(seg) {
				return ""
			}
			return noField(path, seg, n.names)
		}
		n, path = k, path+"."+seg
	}
	return ""
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// declares reports whether n declares name: a variable, a parameter, a
// function or class, a catch parameter.
func declares(n ast.Node, name string) bool {
	is := func(t any) bool {
		id, ok := t.(*ast.Identifier)
		return ok && id != nil && id.Name.String() == name
	}
	switch x := n.(type) {
	case *ast.Binding:
		return is(x.Target)
	case *ast.FunctionLiteral:
		return x.Name != nil && is(x.Name)
	case *ast.ClassLiteral:
		return x.Name != nil && is(x.Name)
	case *ast.CatchStatement:
		return is(x.Parameter)
	case *ast.ForDeclaration:
		return is(x.Target)
	}
	return false
}

var nodeType = reflect.TypeFor[ast.Node]()

// walk calls visit for every node of a syntax tree, parents first. The
// tree has no back references, so a plain recursion over the fields of
// its structs, slices and interfaces reaches every node once.
func walk(v reflect.Value, visit func(ast.Node)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), visit)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type().Implements(nodeType) {
			visit(v.Interface().(ast.Node))
		}
		if v.Elem().Kind() == reflect.Struct && strings.HasSuffix(v.Elem().Type().PkgPath(), "goja/ast") {
			walk(v.Elem(), visit)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walk(v.Field(i), visit)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), visit)
		}
	}
}
