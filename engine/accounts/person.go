package accounts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"provisio/engine"
)

// The JavaScript Person object.
//
// Snippets read the person through a tree of goja dynamic objects that
// resolve each property when it is read, from the session's current
// Input. The tree's shape (its nodes) is built once per Mapper from the
// field registry; a session creates the objects for the nodes a snippet
// reaches once, on first use, and keeps them: for the next person it only
// re-points the session at the new Input. Reading a field costs a map
// lookup and the conversion of its value, and no object is rebuilt per
// person.
//
// Reading a property no field has is an error that names the object and
// suggests the nearest field, rather than undefined: a typo such as
// Person.Name.GivnName would otherwise make account names like
// "undefinedsmith". The names objects inherit from Object.prototype
// (toString, hasOwnProperty, …) and toJSON resolve as usual, and the `in`
// operator tests for a field without an error.

// nodeKind says what a node of the Person tree is.
type nodeKind uint8

const (
	kindGroup        nodeKind = iota // an object of fields: Person, Person.Name, a contract
	kindPersonLeaf                   // a person field's value
	kindContractLeaf                 // a contract field's value
	kindPrimary                      // Person.PrimaryContract: a contract, or null
	kindManager                      // Person.Manager: the manager's fields, or null
	kindContracts                    // Person.Contracts: the in-conditions contracts
	kindAccounts                     // Person.Accounts: other targets' accounts
)

// node is one property of the Person tree.
type node struct {
	name  string
	kind  nodeKind
	names []string // the properties of a group-like node, in order
	index map[string]int
	kids  []*node
	pget  func(*engine.Person) engine.Value
	cget  func(*engine.Contract) engine.Value
	elem  *node // the contract node of Person.Contracts
}

func newGroup(name string) *node {
	return &node{name: name, kind: kindGroup, index: map[string]int{}}
}

// child returns the node's property, if it has one.
func (n *node) child(name string) (*node, bool) {
	i, ok := n.index[name]
	if !ok {
		return nil, false
	}
	return n.kids[i], true
}

// add adds a property and returns it.
func (n *node) add(k *node) *node {
	n.index[k.name] = len(n.kids)
	n.names = append(n.names, k.name)
	n.kids = append(n.kids, k)
	return k
}

// insert adds a leaf at a dotted path, making the groups on the way. A
// path that runs through a leaf, or ends on a group, is left out: the
// registry has none.
func (n *node) insert(path string, leaf *node) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		k, ok := n.child(p)
		if !ok {
			k = n.add(newGroup(p))
		}
		if k.kind != kindGroup {
			return
		}
		n = k
	}
	leaf.name = parts[len(parts)-1]
	if _, ok := n.child(leaf.name); !ok {
		n.add(leaf)
	}
}

// like returns a node of another kind with n's properties.
func (n *node) like(name string, kind nodeKind) *node {
	return &node{name: name, kind: kind, names: n.names, index: n.index, kids: n.kids}
}

// tree is the Person tree of a field registry.
type tree struct {
	root     *node // Person
	contract *node // a contract: Person.PrimaryContract, Person.Contracts[i]
}

// newTree builds the Person tree of the field registry.
func newTree(fields *engine.Fields) *tree {
	person := newGroup("Person")
	for _, f := range fields.Person {
		person.insert(f.Path, &node{kind: kindPersonLeaf, pget: f.Get})
	}
	if _, ok := person.child("Custom"); !ok {
		person.add(newGroup("Custom"))
	}
	contract := newGroup("Contract")
	for _, f := range fields.Contract {
		contract.insert(f.Path, &node{kind: kindContractLeaf, cget: f.Get})
	}
	if _, ok := contract.child("Custom"); !ok {
		contract.add(newGroup("Custom"))
	}
	root := newGroup("Person")
	for _, k := range person.kids {
		root.add(k)
	}
	root.add(contract.like("PrimaryContract", kindPrimary))
	root.add(person.like("Manager", kindManager))
	root.add(&node{name: "Contracts", kind: kindContracts, elem: contract})
	root.add(&node{name: "Accounts", kind: kindAccounts})
	return &tree{root: root, contract: contract}
}

// inherited reports whether name is a property every object inherits, or
// one that JSON.stringify looks for: reading it is no typo.
func inherited(name string) bool {
	switch name {
	case "constructor", "__proto__", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
		"toString", "toLocaleString", "valueOf", "toJSON",
		"__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__":
		return true
	}
	return false
}

// noField describes a property an object does not have.
func noField(path, name string, names []string) string {
	defs := make([]engine.FieldDef, len(names))
	for i, n := range names {
		defs[i] = engine.FieldDef{Path: n}
	}
	if hint := engine.SuggestPaths(name, defs); hint != "" {
		return fmt.Sprintf("%s has no field %q%s", path, name, hint)
	}
	if len(names) == 0 {
		return fmt.Sprintf("%s has no field %q: it has no fields", path, name)
	}
	return fmt.Sprintf("%s has no field %q (it has %s)", path, name, strings.Join(names, ", "))
}

// What an object reads: the person, their manager, their primary
// contract, or (0, 1, …) one of the in-conditions contracts.
const (
	bindPerson  = -1
	bindManager = -2
	bindPrimary = -3
)

// object is a group-like node of the Person tree, bound to what it reads.
type object struct {
	s    *Session
	n    *node
	bind int
	path string       // for messages: Person.Manager.Name
	kids []goja.Value // the objects of group-like properties, made on first read
}

func (o *object) Get(key string) goja.Value {
	s := o.s
	i, ok := o.n.index[key]
	if !ok {
		if inherited(key) {
			return nil // from Object.prototype
		}
		panic(s.vm.NewTypeError(noField(o.path, key, o.n.names)))
	}
	k := o.n.kids[i]
	switch k.kind {
	case kindPersonLeaf:
		if p := s.personOf(o.bind); p != nil {
			return s.toJS(k.pget(p))
		}
		return goja.Undefined()
	case kindContractLeaf:
		if c := s.contractOf(o.bind); c != nil {
			return s.toJS(k.cget(c))
		}
		return goja.Undefined()
	case kindPrimary:
		if s.contractOf(bindPrimary) == nil {
			return goja.Null()
		}
	case kindManager:
		if s.personOf(bindManager) == nil {
			return goja.Null()
		}
	}
	return o.kid(i, k)
}

// kid returns the object of a group-like property.
func (o *object) kid(i int, k *node) goja.Value {
	if o.kids == nil {
		o.kids = make([]goja.Value, len(o.n.kids))
	}
	if v := o.kids[i]; v != nil {
		return v
	}
	s := o.s
	path := o.path + "." + k.name
	var v goja.Value
	switch k.kind {
	case kindPrimary:
		v = s.vm.NewDynamicObject(&object{s: s, n: k, bind: bindPrimary, path: path})
	case kindManager:
		v = s.vm.NewDynamicObject(&object{s: s, n: k, bind: bindManager, path: path})
	case kindContracts:
		v = s.vm.NewDynamicArray(&contractList{s: s, n: k.elem, path: path})
	case kindAccounts:
		v = s.vm.NewDynamicObject(&accountsObject{s: s, path: path})
	default:
		v = s.vm.NewDynamicObject(&object{s: s, n: k, bind: o.bind, path: path})
	}
	o.kids[i] = v
	return v
}

func (o *object) Set(key string, _ goja.Value) bool { panic(readOnly(o.s, o.path, key)) }
func (o *object) Delete(key string) bool            { panic(readOnly(o.s, o.path, key)) }
func (o *object) Has(key string) bool               { _, ok := o.n.index[key]; return ok }
func (o *object) Keys() []string                    { return slices.Clone(o.n.names) }

func readOnly(s *Session, path, key string) *goja.Object {
	return s.vm.NewTypeError("%s.%s cannot be changed: Person is read-only", path, key)
}

// contractList is Person.Contracts: the contracts that satisfy the
// contract conditions of the rules that give the account.
type contractList struct {
	s    *Session
	n    *node
	path string
	objs []goja.Value
}

func (l *contractList) Len() int {
	if l.s.in == nil {
		return 0
	}
	return len(l.s.in.InConditions)
}

func (l *contractList) Get(i int) goja.Value {
	if i < 0 || i >= l.Len() {
		return nil
	}
	for len(l.objs) <= i {
		k := len(l.objs)
		l.objs = append(l.objs, l.s.vm.NewDynamicObject(&object{s: l.s, n: l.n, bind: k, path: l.path + "[" + strconv.Itoa(k) + "]"}))
	}
	return l.objs[i]
}

func (l *contractList) Set(i int, _ goja.Value) bool {
	panic(l.s.vm.NewTypeError("%s[%d] cannot be changed: Person is read-only", l.path, i))
}
func (l *contractList) SetLen(int) bool {
	panic(l.s.vm.NewTypeError("%s cannot be changed: Person is read-only", l.path))
}

// accountsObject is Person.Accounts: the person's accounts in the targets
// the mapping depends on, by target key; null for a target where the
// person has no account.
type accountsObject struct {
	s    *Session
	path string
	objs map[string]goja.Value
}

func (a *accountsObject) Get(key string) goja.Value {
	s := a.s
	m := s.m
	if !slices.Contains(m.deps, key) {
		if inherited(key) {
			return nil
		}
		panic(s.vm.NewTypeError("%s", m.accountsKeyProblem(key)))
	}
	if s.in == nil || s.in.Accounts[key] == nil {
		return goja.Null()
	}
	if v, ok := a.objs[key]; ok {
		return v
	}
	if a.objs == nil {
		a.objs = map[string]goja.Value{}
	}
	v := s.vm.NewDynamicObject(&accountObject{s: s, key: key, path: a.path + "." + key, known: m.attributesOf[key]})
	a.objs[key] = v
	return v
}

func (a *accountsObject) Set(key string, _ goja.Value) bool { panic(readOnly(a.s, a.path, key)) }
func (a *accountsObject) Delete(key string) bool            { panic(readOnly(a.s, a.path, key)) }
func (a *accountsObject) Has(key string) bool {
	return slices.Contains(a.s.m.deps, key) && a.s.in != nil && a.s.in.Accounts[key] != nil
}
func (a *accountsObject) Keys() []string {
	var keys []string
	for _, k := range a.s.m.deps {
		if a.Has(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// accountObject is Person.Accounts.<target>: the attributes of the
// person's account there. An attribute the other target's mapping writes
// but the account lacks reads as "".
type accountObject struct {
	s     *Session
	key   string
	path  string
	known []string // the attributes the other target's mapping writes; nil when unknown
}

func (o *accountObject) attrs() engine.Attributes {
	if o.s.in == nil {
		return nil
	}
	return o.s.in.Accounts[o.key]
}

func (o *accountObject) Get(name string) goja.Value {
	attrs := o.attrs()
	if v, ok := attrs[name]; ok {
		return o.s.vm.ToValue(v)
	}
	if o.known == nil {
		if inherited(name) {
			return nil
		}
		return o.s.vm.ToValue(attribute(attrs, name))
	}
	if canon, ok := canonical(o.known, name); ok {
		return o.s.vm.ToValue(attribute(attrs, canon))
	}
	if inherited(name) {
		return nil
	}
	panic(o.s.vm.NewTypeError("%s has no attribute %q: the account mapping of %s writes %s", o.path, name, o.key, strings.Join(o.known, ", ")))
}

func (o *accountObject) Set(key string, _ goja.Value) bool { panic(readOnly(o.s, o.path, key)) }
func (o *accountObject) Delete(key string) bool            { panic(readOnly(o.s, o.path, key)) }
func (o *accountObject) Has(name string) bool {
	if _, ok := o.attrs()[name]; ok {
		return true
	}
	_, ok := canonical(o.known, name)
	return ok
}
func (o *accountObject) Keys() []string {
	if o.known != nil {
		return slices.Clone(o.known)
	}
	return o.attrs().Names()
}

// canonical returns the spelling a list uses for a name, ignoring case
// as directories do.
func canonical(names []string, name string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// attribute returns an attribute's value, matching its name exactly or,
// failing that, ignoring case.
func attribute(attrs engine.Attributes, name string) string {
	if v, ok := attrs[name]; ok {
		return v
	}
	for k, v := range attrs {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
