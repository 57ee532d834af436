// Package mail is how the portal sends email: invitations now, notices later.
//
// A [Message] is one email. [Encode] turns it into an RFC 5322 message (CRLF
// line endings, quoted-printable UTF-8 bodies, RFC 2047 encoded headers), and
// refuses header injection: a line break in From, To, Subject or an extra
// header is an error that names the field, never a new header.
//
// A [Sender] delivers messages. There are two, plus a wrapper:
//
//   - [SMTP] hands each message to an SMTP server (the standard library's
//     net/smtp), with STARTTLS, implicit TLS (SMTPS) and AUTH PLAIN.
//   - [Outbox] writes each message as one .eml file into a directory. It is
//     the default when no SMTP server is configured, so a fresh install
//     works: an operator can open the files in any mail client.
//   - [Retry] wraps a Sender and tries again after transient failures, but
//     not after permanent ones (see [IsPermanent]): a 5xx reply from the
//     server or a message that cannot be encoded.
//
// Senders take the context first and never keep it; a canceled context stops
// a delivery in progress and the waits between retries.
package mail
