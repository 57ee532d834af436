package web

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/entitle-portal/entitle"
)

// net/http answers some requests itself, before any handler runs, with a
// plain-text error written straight to the connection: header fields (the
// query string included) larger than http.Server.MaxHeaderBytes are a 431,
// a request that is not HTTP/1.x as the server reads it a 400 (a malformed
// request line or header, no Host), a 501 (an unknown Transfer-Encoding) or
// a 505 (another HTTP version). Every answer of the API is JSON, so
// Listener rewrites these into the same status with a JSON body; the
// request could not be read, so its path is unknown, and the portal's
// visitors get the same JSON (a browser never sends such a request).

// Listener returns ln with its connections' low-level error answers made
// JSON: serve its connections with an http.Server (HTTP/1.1, not TLS on
// this listener).
func Listener(ln net.Listener) net.Listener { return jsonErrorListener{ln} }

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

// jsonErrorConn rewrites net/http's own error answers as they are written.
// net/http writes each in a single Write straight to the connection (a
// response of a handler goes through a buffer and has other headers: a Date,
// a Content-Length, and Connection sorted before Content-Type), so a Write
// that is exactly one of them is one.
type jsonErrorConn struct{ net.Conn }

func (c jsonErrorConn) Write(b []byte) (int, error) {
	out, ok := rewriteLowLevelError(b)
	if !ok {
		return c.Conn.Write(b)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// CloseWrite is the TCP connection's: net/http half-closes the connection
// after a 431, so that the client reads the answer before the connection
// is reset.
func (c jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// lowLevelHeaders are the headers of every error net/http writes itself
// (net/http/server.go, conn.serve).
const lowLevelHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// lowLevelCodes give each status net/http answers by itself its error code.
var lowLevelCodes = map[int]string{
	431: entitle.CodeHeaderTooLarge,
	400: entitle.CodeBadRequest,
	501: entitle.CodeUnsupportedTransferEncoding,
	505: entitle.CodeUnsupportedHTTPVersion,
}

// rewriteLowLevelError returns the JSON answer for b when b is one of the
// errors net/http writes itself:
//
//	HTTP/1.1 431 Request Header Fields Too Large<headers>431 Request Header Fields Too Large
//	HTTP/1.1 400 Bad Request<headers>400 Bad Request
//	HTTP/1.1 400 Bad Request: missing required Host header<headers>400 Bad Request: missing required Host header
//	HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version<headers>(the same)
//	HTTP/1.1 501 Not Implemented<headers>Unsupported transfer encoding
func rewriteLowLevelError(b []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !ok {
		return nil, false
	}
	line, body, ok := bytes.Cut(rest, []byte(lowLevelHeaders))
	if !ok || len(line) < 4 || line[3] != ' ' || !(bytes.Equal(body, line) || string(body) == "Unsupported transfer encoding") {
		return nil, false
	}
	status, err := strconv.Atoi(string(line[:3]))
	code, known := lowLevelCodes[status]
	if err != nil || !known {
		return nil, false
	}
	_, detail, _ := bytes.Cut(line, []byte(": ")) // net/http's words, when it has some
	var message string
	switch status {
	case 431:
		message = "the request's header fields, the query string included, are larger than the server takes: send a shorter query string or fewer, smaller headers"
	case 400:
		message = "the request is not valid HTTP/1.1"
		if len(detail) > 0 {
			message += ": " + string(detail)
		}
	case 501:
		message = "the request's Transfer-Encoding is not supported: send the body with a Content-Length, or chunked"
	case 505:
		message = "the request's HTTP version is not supported: use HTTP/1.1"
	}
	js, _ := json.Marshal(apiError{errorBody{Code: code, Message: message}})
	js = append(js, '\n')
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 ")
	out.Write(line[:3])
	out.WriteString(" ")
	out.WriteString(http.StatusText(status))
	out.WriteString("\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ")
	out.WriteString(strconv.Itoa(len(js)))
	out.WriteString("\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n")
	out.Write(js)
	return out.Bytes(), true
}
