package entitle

// MSA is a master service agreement between the vendor and a counterparty
// company. A purchasing entity orders under its own MSA, in force on the
// order date.
type MSA struct {
	Number  string `json:"number"`
	Company string `json:"company"` // counterparty company key
	Start   Date   `json:"start"`
	End     Date   `json:"end"`
}

// InForce reports whether the MSA covers day d (start and end inclusive).
func (m MSA) InForce(d Date) bool { return !d.Before(m.Start) && !d.After(m.End) }

// Validate checks the MSA's own fields.
func (m MSA) Validate() error {
	var ps Problems
	checkKey(&ps, "number", m.Number)
	checkKey(&ps, "company", m.Company)
	if m.Start.IsZero() {
		ps.Add("start", "required")
	}
	if m.End.IsZero() {
		ps.Add("end", "required")
	}
	if !m.Start.IsZero() && !m.End.IsZero() && m.End.Before(m.Start) {
		ps.Add("end", "%s is before start %s", m.End, m.Start)
	}
	return ps.Err()
}

// MSARecord is an MSA with its counterparty's name.
type MSARecord struct {
	MSA
	CompanyName string
}
