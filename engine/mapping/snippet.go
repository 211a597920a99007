package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"

	"provisio/engine"
)

// Snippet is a compiled JavaScript snippet whose last expression is its
// value. It is immutable and can run in any number of runtimes; the
// account mapping (engine/accounts) compiles its snippets with it too.
type Snippet struct {
	program *goja.Program
	vars    []string // the global variables it declares with var
}

// CompileSnippet compiles a snippet in strict mode: an assignment to an
// undeclared variable is an error instead of a global that would leak
// into the next run. name is the snippet's name in error positions
// ("DisplayName:2:7"). A snippet that uses return at the top level is
// compiled as a function body. Errors start with "JavaScript: " and give
// the line.
//
// A runtime runs many snippets, one after another, so a snippet runs
// inside a block (or a function): its top-level let, const and class
// declarations are then scoped to one run instead of being declared again,
// which JavaScript rejects, on the next run or by another snippet. The
// wrappers start on the snippet's first line so that positions in errors
// keep their line numbers.
func CompileSnippet(name, src string) (*Snippet, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the JavaScript snippet is empty")
	}
	p, err := goja.Compile(name, src, true)
	if err != nil && strings.Contains(err.Error(), "Illegal return") {
		// a function body: its variables are fresh on every call
		p, err = goja.Compile(name, "(function(){"+src+"\n})()", true)
		if err != nil {
			return nil, fmt.Errorf("JavaScript: %s", cleanJSError(err))
		}
		return &Snippet{program: p}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("JavaScript: %s", cleanJSError(err))
	}
	// Run in a block so let, const and class are fresh on every call. Top
	// level var declarations still live on the global object; Run resets
	// them, so a run never sees the previous run's values.
	if block, berr := goja.Compile(name, "{"+src+"\n}", true); berr == nil {
		p = block
	}
	return &Snippet{program: p, vars: topLevelVars(src)}, nil
}

// topLevelVars lists the variables a program declares with var.
func topLevelVars(src string) []string {
	prg, err := parser.ParseFile(nil, "", src, 0)
	if err != nil {
		return nil
	}
	var names []string
	for _, d := range prg.DeclarationList {
		for _, b := range d.List {
			if id, ok := b.Target.(*ast.Identifier); ok {
				names = append(names, id.Name.String())
			}
		}
	}
	return names
}

// ErrTimeout is what the error of a snippet stopped by the time limit
// wraps (errors.Is).
var ErrTimeout = errors.New("the JavaScript took too long")

// timeoutError is the error of a run stopped by the time limit.
type timeoutError struct{ limit time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("JavaScript took longer than %s and was stopped", e.limit)
}

func (e timeoutError) Is(target error) bool { return target == ErrTimeout }

// Runner runs snippets in one runtime, one at a time, each within a time
// limit. It reuses one interrupt timer for every run, so a run costs no
// goroutine or timer allocation; a guard keeps a late firing of the timer
// from interrupting the next run. A Runner belongs to the goroutine that
// owns its runtime.
type Runner struct {
	vm    *goja.Runtime
	limit time.Duration

	timer    *time.Timer
	mu       sync.Mutex
	running  bool
	deadline time.Time
}

// NewRunner returns a runner for vm; limit bounds each run (zero means
// DefaultTimeLimit).
func NewRunner(vm *goja.Runtime, limit time.Duration) *Runner {
	if limit <= 0 {
		limit = DefaultTimeLimit
	}
	return &Runner{vm: vm, limit: limit}
}

// Limit returns the time limit of one run.
func (r *Runner) Limit() time.Duration { return r.limit }

var errInterrupted = errors.New("timeout")

// Run runs sn and returns its value. A run stopped by the time limit
// returns an error that wraps ErrTimeout ("JavaScript took longer than 1s
// and was stopped"); a JavaScript error returns "JavaScript error: " and
// the exception's message with its position (name:line:column).
func (r *Runner) Run(sn *Snippet) (goja.Value, error) {
	vm := r.vm
	for _, name := range sn.vars {
		_ = vm.GlobalObject().Set(name, goja.Undefined())
	}
	r.mu.Lock()
	r.running = true
	r.deadline = time.Now().Add(r.limit)
	r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(r.limit, func() {
			r.mu.Lock()
			// a late firing from an earlier run finds a later deadline
			if r.running && !time.Now().Before(r.deadline) {
				vm.Interrupt(errInterrupted)
			}
			r.mu.Unlock()
		})
	} else {
		r.timer.Reset(r.limit)
	}
	v, err := vm.RunProgram(sn.program)
	r.timer.Stop()
	r.mu.Lock()
	r.running = false
	r.mu.Unlock()
	vm.ClearInterrupt()
	if err != nil {
		if errors.Is(err, errInterrupted) {
			return nil, timeoutError{r.limit}
		}
		return nil, fmt.Errorf("JavaScript error: %s", cleanJSError(err))
	}
	return v, nil
}

var jsPos = regexp.MustCompile(`\(\d+\)$`)

// cleanJSError returns goja's message without the program counter it adds
// after the position.
func cleanJSError(err error) string {
	msg := err.Error()
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg = ex.Error()
	}
	msg = strings.TrimSpace(jsPos.ReplaceAllString(msg, ""))
	return msg
}

// ReadOnlyGlobal defines a global that snippets can read but not replace
// or delete, so that one run cannot change what the next one sees.
func ReadOnlyGlobal(vm *goja.Runtime, name string, v any) {
	_ = vm.GlobalObject().DefineDataProperty(name, vm.ToValue(v), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// RemoveDiacritics returns the removeDiacritics helper for snippets of
// vm: "Zoë Ørsted" becomes "Zoe Orsted"; undefined and null become "". It
// is a plain goja function, which calls several times faster than a Go
// func(string) string that goja wraps through reflection.
func RemoveDiacritics(vm *goja.Runtime) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		arg := call.Argument(0)
		if goja.IsUndefined(arg) || goja.IsNull(arg) {
			return vm.ToValue("")
		}
		s := arg.String()
		if r := engine.RemoveDiacritics(s); r != s {
			return vm.ToValue(r)
		}
		return arg.ToString()
	}
}

// JSDate returns the calendar day a snippet meant by a JS Date, which is
// an instant exported in the workstation's time zone. new Date(2024, 0,
// 31) is midnight local time, but new Date("2024-01-31") and Date.UTC(…)
// are midnight UTC, which is the day before west of Greenwich: an instant
// at exactly midnight UTC is read as a UTC day, any other in local time,
// so the result does not depend on where the snippet runs.
func JSDate(t time.Time) engine.Date {
	if u := t.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return engine.DateOf(u)
	}
	return engine.DateOf(t)
}
