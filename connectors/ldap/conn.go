package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync"

	goldap "github.com/go-ldap/ldap/v3"

	"provisio/engine"
)

// pool holds bound connections for reuse. A call takes one connection for
// its duration; at most maxConnections are open at once, and a call that
// finds them all in use waits for one (or for its context to end).
type pool struct {
	dial  func(ctx context.Context) (*goldap.Conn, error)
	slots chan struct{}

	mu     sync.Mutex
	idle   []*goldap.Conn
	closed bool
}

func newPool(size int, dial func(ctx context.Context) (*goldap.Conn, error)) *pool {
	return &pool{dial: dial, slots: make(chan struct{}, size)}
}

var errClosed = engine.Errorf(engine.Internal, "the LDAP connector is closed")

// get returns a bound connection: an idle one that is still open, or a
// new one.
func (p *pool) get(ctx context.Context) (*goldap.Conn, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, contextError(ctx, "wait for a free connection to the directory")
	}
	var stale []*goldap.Conn
	var conn *goldap.Conn
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, errClosed
	}
	for len(p.idle) > 0 && conn == nil {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		// The server may have closed it while it was idle (an idle
		// timeout, a restart): its reader has noticed and closed it.
		if c.IsClosing() {
			stale = append(stale, c)
		} else {
			conn = c
		}
	}
	p.mu.Unlock()
	for _, c := range stale {
		c.Close()
	}
	if conn != nil {
		return conn, nil
	}
	conn, err := p.dial(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return conn, nil
}

// put gives a connection back; a broken one is closed instead.
func (p *pool) put(c *goldap.Conn, broken bool) {
	p.mu.Lock()
	keep := !broken && !p.closed && !c.IsClosing()
	if keep {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	if !keep {
		c.Close()
	}
	<-p.slots
}

// close closes the idle connections and makes get fail from now on;
// connections in use are closed when they are put back.
func (p *pool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
}

// dial connects to the server, sets up TLS for ldaps:// and binds. Its
// errors are engine errors whose messages say which step failed: the
// address cannot be reached, TLS failed, or the sign-in was refused. The
// connection's per-request timeout is the configured timeout, which also
// bounds the whole dial, as ctx does.
func (c *Connector) dial(ctx context.Context) (*goldap.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	d := net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", c.cfg.address)
	if err != nil {
		return nil, c.connectError(ctx, err)
	}
	isTLS := c.cfg.tls != nil
	if isTLS {
		tc := tls.Client(raw, c.cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, c.tlsError(ctx, err)
		}
		raw = tc
	}
	conn := goldap.NewConn(raw, isTLS)
	conn.Start()
	conn.SetTimeout(c.cfg.timeout)

	password, err := c.password()
	if err != nil {
		conn.Close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = conn.Bind(c.cfg.bindDN, password)
	if !stop() {
		conn.Close()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, engine.Wrap(engine.Unavailable, ctx.Err(), "the directory at %s took the connection but did not answer the sign-in in the time allowed", c.cfg.address)
		}
		return nil, contextError(ctx, "sign in to the directory at "+c.cfg.address)
	}
	if err != nil {
		conn.Close()
		return nil, c.bindError(err)
	}
	return conn, nil
}

// password reads the bind password from the keychain.
func (c *Connector) password() (string, error) {
	if c.secrets == nil {
		return "", engine.Errorf(engine.Invalid, "the bind password cannot be read: this workspace has no keychain")
	}
	p, err := c.secrets.Get(c.cfg.password)
	switch {
	case engine.IsCode(err, engine.NotFound):
		return "", engine.Errorf(engine.Invalid, "the bind password is not in the keychain; enter it again in the target's settings")
	case err != nil:
		return "", &engine.Error{Code: engine.ErrorCode(err), Msg: "the bind password cannot be read from the keychain: " + err.Error(), Err: err}
	case p == "":
		return "", engine.Errorf(engine.Invalid, "the bind password in the keychain is empty; enter it again in the target's settings")
	}
	return p, nil
}

func (c *Connector) connectError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return engine.Wrap(engine.Unavailable, err, "cannot reach the directory at %s: no answer within the time allowed", c.cfg.address)
	case ctx.Err() != nil:
		return contextError(ctx, "connect to the directory at "+c.cfg.address)
	}
	return engine.Wrap(engine.Unavailable, err, "cannot reach the directory at %s; check the address and port, and that the server runs", c.cfg.address)
}

func (c *Connector) tlsError(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return engine.Wrap(engine.Unavailable, err, "TLS with %s failed: the handshake did not finish in the time allowed", c.cfg.address)
	case ctx.Err() != nil:
		return contextError(ctx, "set up TLS with the directory at "+c.cfg.address)
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown):
		return engine.Wrap(engine.Invalid, err, "TLS with %s failed: the server's certificate is not signed by an authority this computer trusts; give the CA certificate (%s)", c.cfg.address, settingCAFile)
	case errors.As(err, &hostname):
		return engine.Wrap(engine.Invalid, err, "TLS with %s failed: the server's certificate is not for the host in the address; use the name the certificate was issued for", c.cfg.address)
	case errors.As(err, &invalid):
		return engine.Wrap(engine.Invalid, err, "TLS with %s failed: the server's certificate is not valid", c.cfg.address)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return engine.Wrap(engine.Unavailable, err, "TLS with %s failed: the connection broke during the handshake", c.cfg.address)
	}
	return engine.Wrap(engine.Invalid, err, "TLS with %s failed; check that the server speaks LDAPS on this port (ldap:// for plain LDAP)", c.cfg.address)
}

func (c *Connector) bindError(err error) error {
	var le *goldap.Error
	if errors.As(err, &le) {
		switch le.ResultCode {
		case goldap.LDAPResultInvalidCredentials:
			if c.cfg.ad != nil {
				return c.adBindError(le)
			}
			return engine.Errorf(engine.Invalid, "the directory rejected the sign-in: the bind DN or password is wrong (bind DN %q)", c.cfg.bindDN)
		case goldap.LDAPResultInvalidDNSyntax:
			return engine.Errorf(engine.Invalid, "the directory rejected the sign-in: the bind DN %q is not a valid DN", c.cfg.bindDN)
		case goldap.LDAPResultConfidentialityRequired, goldap.LDAPResultStrongAuthRequired:
			return engine.Errorf(engine.Invalid, "the directory refuses to sign in over a connection that is not encrypted; use an ldaps:// address")
		case goldap.LDAPResultInappropriateAuthentication, goldap.LDAPResultUnwillingToPerform:
			return engine.Errorf(engine.Invalid, "the directory refused the sign-in as %q: %s", c.cfg.bindDN, diagnostic(le))
		}
	}
	return classify(err, "sign in to the directory at "+c.cfg.address+" as "+c.cfg.bindDN)
}

// contextError is the error of a call whose context ended, as
// engine.ContextError says it: Canceled when it was cancelled, Unavailable
// (worth retrying) when its deadline passed. Callers call it once ctx is
// done; should it not be, the call counts as cancelled.
func contextError(ctx context.Context, what string) error {
	if err := engine.ContextError(ctx, what); err != nil {
		return err
	}
	return &engine.Error{Code: engine.Canceled, Msg: what + ": cancelled", Err: context.Canceled}
}

// do runs fn on a pooled connection. When ctx ends first, the connection
// is closed, which ends fn's request, and do returns the context's error;
// otherwise it returns fn's error as it is. A connection on which fn met
// a network error is not reused.
func (c *Connector) do(ctx context.Context, what string, fn func(conn *goldap.Conn) error) error {
	if ctx.Err() != nil {
		return contextError(ctx, what)
	}
	conn, err := c.pool.get(ctx)
	if err != nil {
		return &engine.Error{Code: engine.ErrorCode(err), Msg: what + ": " + err.Error(), Err: err}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = fn(conn)
	interrupted := !stop()
	c.pool.put(conn, interrupted || brokenConnection(err))
	if interrupted {
		return contextError(ctx, what)
	}
	return err
}

// brokenConnection reports whether err leaves the connection unusable.
func brokenConnection(err error) bool {
	var le *goldap.Error
	if errors.As(err, &le) {
		return le.ResultCode == goldap.ErrorNetwork || le.ResultCode >= goldap.ErrorUnexpectedMessage
	}
	return false
}

// adBindProblems says why Active Directory refused a sign-in, by the code
// after "data" in its diagnostic ("… AcceptSecurityContext error, data
// 52e, v4563").
var adBindProblems = map[string]string{
	"525": "the bind account does not exist",
	"52e": "the bind account or its password is wrong",
	"530": "the bind account may not sign in at this time of day",
	"531": "the bind account may not sign in from this computer",
	"532": "the bind account's password has expired",
	"533": "the bind account is disabled",
	"701": "the bind account has expired",
	"773": "the bind account's password must be changed before it can sign in",
	"775": "the bind account is locked out",
}

// adBindData returns the code after "data" in an Active Directory bind
// diagnostic, in lower case, or "".
func adBindData(le *goldap.Error) string {
	if le.Err == nil {
		return ""
	}
	msg := le.Err.Error()
	i := strings.Index(msg, "data ")
	if i < 0 {
		return ""
	}
	code := msg[i+len("data "):]
	if j := strings.IndexFunc(code, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) }); j >= 0 {
		code = code[:j]
	}
	return strings.ToLower(code)
}

func (c *Connector) adBindError(le *goldap.Error) error {
	problem, ok := adBindProblems[adBindData(le)]
	if !ok {
		problem = adBindProblems["52e"]
	}
	return engine.Errorf(engine.Invalid, "the domain controller rejected the sign-in as %q: %s", c.cfg.bindDN, problem)
}
