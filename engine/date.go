package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day without a time or a zone, as HR systems record
// start dates, end dates and birth dates. It is stored as yyyymmdd so that
// dates compare with < and the zero value means "no date" (an open-ended
// contract has a zero EndDate).
type Date int32

// NewDate returns the date for the given year, month and day. Out-of-range
// values are normalised the way time.Date does.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(y*10000 + int(m)*100 + d)
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d == 0 }

// Year, Month and Day return the components of d.
func (d Date) Year() int         { return int(d) / 10000 }
func (d Date) Month() time.Month { return time.Month(int(d) / 100 % 100) }
func (d Date) Day() int          { return int(d) % 100 }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// AddDays returns d moved by n days; the zero date stays zero.
func (d Date) AddDays(n int) Date {
	if d == 0 {
		return 0
	}
	return DateOf(d.Time().AddDate(0, 0, n))
}

// DaysUntil returns the number of days from d to other (negative when other
// is earlier).
func (d Date) DaysUntil(other Date) int {
	return int(other.Time().Sub(d.Time()).Hours() / 24)
}

// String returns d as yyyy-mm-dd, or "" for the zero date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), int(d.Month()), d.Day())
}

// ParseISODate parses yyyy-mm-dd (an optional time part after 'T' or a
// space is ignored). An empty string is the zero date.
func ParseISODate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if i := strings.IndexAny(s, "T "); i == 10 {
		s = s[:10]
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("expected a date like 2024-01-31, got %q", s)
	}
	return DateOf(t), nil
}

// MarshalJSON writes the date as "yyyy-mm-dd", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == 0 {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "yyyy-mm-dd", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("expected a date like \"2024-01-31\", got %s", b)
	}
	v, err := ParseISODate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// DefaultDateFormats are tried when a source system names none. A format
// with slashes is left out on purpose: 03/04/2024 is 3 April in Europe and
// March 4 in the United States, and only the administrator knows which.
var DefaultDateFormats = []string{"yyyy-MM-dd", "dd-MM-yyyy", "d-M-yyyy", "yyyyMMdd"}

// compileDateLayout turns an administrator's date format into Go's layout.
// In a date format yyyy, yy, MM, M, dd and d stand for the year, month and
// day and anything else is literal, for example "dd-MM-yyyy" or "M/d/yyyy".
func compileDateLayout(format string) (string, error) {
	var b strings.Builder
	seen := map[byte]bool{}
	for i := 0; i < len(format); {
		rest := format[i:]
		if c := format[i]; i > 0 && format[i-1] == c && (c == 'M' || c == 'd') {
			// MMM or ddd: not a month or day this format knows (month
			// names are not supported); read as MM then M it would never
			// match a date.
			return "", fmt.Errorf("date format %q: unexpected %q (use yyyy, MM, M, dd, d and separators)", format, c)
		}
		switch {
		case strings.HasPrefix(rest, "yyyy"):
			b.WriteString("2006")
			seen['y'] = true
			i += 4
		case strings.HasPrefix(rest, "yy"):
			b.WriteString("06")
			seen['y'] = true
			i += 2
		case strings.HasPrefix(rest, "MM"):
			b.WriteString("01")
			seen['M'] = true
			i += 2
		case strings.HasPrefix(rest, "M"):
			b.WriteString("1")
			seen['M'] = true
			i++
		case strings.HasPrefix(rest, "dd"):
			b.WriteString("02")
			seen['d'] = true
			i += 2
		case strings.HasPrefix(rest, "d"):
			b.WriteString("2")
			seen['d'] = true
			i++
		default:
			c := format[i]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", fmt.Errorf("date format %q: unexpected %q (use yyyy, MM, M, dd, d and separators)", format, c)
			}
			b.WriteByte(c)
			i++
		}
	}
	if !seen['y'] || !seen['M'] || !seen['d'] {
		return "", fmt.Errorf("date format %q must contain a year (yyyy), a month (MM or M) and a day (dd or d)", format)
	}
	return b.String(), nil
}

// DateParser parses dates in any of a list of administrator date formats,
// and always also yyyy-mm-dd.
type DateParser struct {
	formats []string
	layouts []string
}

// NewDateParser compiles the formats; an empty list means DefaultDateFormats.
func NewDateParser(formats []string) (*DateParser, error) {
	if len(formats) == 0 {
		formats = DefaultDateFormats
	}
	p := &DateParser{}
	hasISO := false
	for _, f := range formats {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		l, err := compileDateLayout(f)
		if err != nil {
			return nil, Errorf(Invalid, "%v", err)
		}
		hasISO = hasISO || l == "2006-01-02"
		p.formats = append(p.formats, f)
		p.layouts = append(p.layouts, l)
	}
	if !hasISO {
		p.layouts = append(p.layouts, "2006-01-02")
	}
	return p, nil
}

// Formats returns the administrator's formats, for messages.
func (p *DateParser) Formats() []string { return p.formats }

// Parse returns the date in s; an empty string is the zero date. A value
// with a time part ("2024-01-31 00:00:00", "2024-01-31T08:00:00Z") is
// accepted and the time ignored.
func (p *DateParser) Parse(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	for _, l := range p.layouts {
		if t, err := time.Parse(l, s); err == nil {
			return DateOf(t), nil
		}
	}
	if i := strings.IndexAny(s, "T "); i > 0 {
		if d, err := p.Parse(s[:i]); err == nil {
			return d, nil
		}
	}
	want := "yyyy-MM-dd"
	if len(p.formats) > 0 {
		want = strings.Join(p.formats, " or ")
	}
	return 0, fmt.Errorf("expected a date like %s, got %q", want, s)
}

// Days returns the number of days since 1 January 1970 (negative before),
// for fast date arithmetic; the zero date gives 0 and should be tested
// with IsZero first.
func (d Date) Days() int {
	if d == 0 {
		return 0
	}
	// days from civil, after Howard Hinnant's algorithm
	y, m, day := d.Year(), int(d.Month()), d.Day()
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
