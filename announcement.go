package entitle

import "time"

// Announcement is a time-boxed notice the vendor posts to every user of the
// portal — e.g. a webinar with its date and a registration link. It shows as
// a banner from Starts until Ends (exclusive) unless it was ended early or
// the user dismissed it.
type Announcement struct {
	ID        int64
	Title     string
	Text      string
	Link      string    // an https URL, or ""
	LinkText  string    // the words the link shows; "" for "More about <Title>"
	Starts    time.Time // in force from this instant…
	Ends      time.Time // …until this one, exclusive
	CreatedAt time.Time
	CreatedBy string    // the email of the vendor user who posted it
	EndedAt   time.Time // zero unless ended before Ends
	EndedBy   string
}

// InForce reports whether a shows at instant now (dismissals aside).
func (a Announcement) InForce(now time.Time) bool {
	return !now.Before(a.Starts) && now.Before(a.Ends) && a.EndedAt.IsZero()
}

// Over reports whether a will never show again: past its end, or ended.
func (a Announcement) Over(now time.Time) bool {
	return !now.Before(a.Ends) || !a.EndedAt.IsZero()
}
