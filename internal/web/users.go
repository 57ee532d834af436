package web

import (
	"net/http"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
)

// userJSON is a co-worker in an answer.
type userJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Admin     bool      `json:"admin"`
	Status    string    `json:"status"` // active or disabled
	CreatedAt time.Time `json:"created_at"`
}

func userJSONOf(u entitle.UserRecord) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, Status: string(u.Status), CreatedAt: u.CreatedAt}
}

type usersAnswer struct {
	Users      []userJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// GET /api/v1/users: the users of the caller's company, by email, paged.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "limit", "cursor")
	limit := q.limit(100, 500)
	if q.err != nil {
		return q.err
	}
	bound := bind("users", c.Company)
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	us, err := s.cfg.Coworkers.Users(r.Context(), c, after, limit+1)
	if err != nil {
		return err
	}
	out := usersAnswer{Users: []userJSON{}}
	us, last := cutPage(us, limit, func(u coworkers.User) string { return u.Email })
	out.NextCursor = s.sealCursor(last, bound)
	for _, u := range us {
		out.Users = append(out.Users, userJSONOf(u.UserRecord))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type userPatch struct {
	Status *string `json:"status"`
	Admin  *bool   `json:"admin"`
}

// PATCH /api/v1/users/{id} {"status","admin"}: a company administrator
// disables or enables a co-worker, or makes them an administrator or not.
func (s *Server) changeUser(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var p userPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	if p.Status == nil && p.Admin == nil {
		return errorf(codeInvalid, `give "status" ("active" or "disabled") or "admin" (true or false), or both`)
	}
	var ch entitle.UserChange
	if p.Status != nil {
		st := entitle.UserStatus(*p.Status)
		ch.Status = &st
	}
	ch.Admin = p.Admin
	u, err := s.cfg.Coworkers.ChangeUser(r.Context(), c, id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSONOf(u))
	return nil
}
