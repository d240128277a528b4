package plan

import (
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // locations validate in a container without /usr/share/zoneinfo
)

// This file checks time zones and, for a refused one, says what was
// probably meant: the IANA name in its right case, the Etc/GMT zone of a
// UTC offset (whose sign POSIX inverts), the zone of a city, or the
// closest name.

// zones caches time zone checks per distinct value: LoadLocation reads and
// parses zone data, and a suggestion searches every zone's name, both far
// slower than the rest of a row's checks.
type zones struct {
	checked  map[string]error // nil for a valid zone
	searches int              // edit-distance searches made, at most maxSearches
}

// maxSearches bounds the searches for the closest name (a few hundred
// edit distances each) that one Load makes: past it, a refused value gets
// the quicker suggestions only.
const maxSearches = 256

func (z *zones) check(s string) error {
	err, hit := z.checked[s]
	if !hit {
		err = z.problem(s)
		if z.checked == nil {
			z.checked = make(map[string]error)
		}
		if len(z.checked) < maxCached {
			z.checked[strings.Clone(s)] = err
		}
	}
	return err
}

// problem returns nil for a valid zone, else why s is refused and, when
// it can tell, what was meant.
func (z *zones) problem(s string) error {
	if validZone(s) {
		return nil
	}
	msg := quote(s) + " is not an IANA time zone"
	if hint := z.suggest(s); hint != "" {
		return newProblem(ErrLocation, msg+"; "+hint)
	}
	return newProblem(ErrLocation, msg+" (e.g. America/Los_Angeles, Etc/GMT-8)")
}

// validZone accepts the names LoadLocation knows, but not another case of
// a name of the database: a case-insensitive file system (macOS) would
// take "europe/berlin", which the API would not.
func validZone(s string) bool {
	if s == "Local" || len(s) > 100 || strings.ContainsAny(s, "\x00\\") {
		return false
	}
	if name, ok := zoneIndex().fold[foldZone(s)]; ok {
		return name == s
	}
	_, err := time.LoadLocation(s)
	return err == nil
}

// suggest says what a refused zone s probably meant, or "".
func (z *zones) suggest(s string) string {
	if hint, ok := offsetHint(s); ok {
		return hint
	}
	zi := zoneIndex()
	key := foldZone(s)
	if name, ok := zi.fold[key]; ok {
		if strings.EqualFold(name, s) {
			return didYouMean(name) + " (zone names are case-sensitive)"
		}
		return didYouMean(name)
	}
	if name, ok := zi.city[key]; ok {
		return didYouMean(name)
	}
	// Short values are abbreviations more often than typos: PST is one
	// edit from EST, and hours away.
	if len(key) >= 5 && z.searches < maxSearches {
		z.searches++
		if i := closest(key, zi.lower, max(1, len(key)/4)); i >= 0 {
			return didYouMean(zi.names[i])
		}
	}
	return ""
}

func didYouMean(name string) string { return "did you mean " + quote(name) + "?" }

// foldZone is the key of a zone name that ignores case and takes spaces
// for underscores: "new york" finds America/New_York.
func foldZone(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), " ", "_")
}

// zoneNamesIndex finds the names of zoneNames.
type zoneNamesIndex struct {
	names []string          // every name
	lower []string          // names[i] in lower case
	fold  map[string]string // foldZone(name) to name
	city  map[string]string // the last part of a name of a continent or ocean, folded, to the name
}

// zoneIndex is built once, when a plan first sets a location.
var zoneIndex = sync.OnceValue(func() *zoneNamesIndex {
	names := strings.Fields(zoneNames)
	zi := &zoneNamesIndex{names: names, lower: make([]string, len(names)),
		fold: make(map[string]string, len(names)), city: make(map[string]string, len(names))}
	for i, n := range names {
		zi.lower[i] = strings.ToLower(n)
		zi.fold[zi.lower[i]] = n
		area, _, _ := strings.Cut(n, "/")
		switch area {
		case "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific":
			city := zi.lower[i][strings.LastIndexByte(n, '/')+1:]
			if _, dup := zi.city[city]; !dup { // names are sorted: America/Argentina/Cordoba before America/Cordoba
				zi.city[city] = n
			}
		}
	}
	return zi
})

// offsetHint names the Etc/GMT zone of a UTC offset written as people
// write it ("UTC+3", "GMT-05:00"), or says why there is none. ok is false
// when s is not an offset.
func offsetHint(s string) (hint string, ok bool) {
	off, ok := utcOffset(s)
	if !ok {
		return "", false
	}
	h := off / 60
	switch {
	case off == 0:
		return didYouMean("UTC"), true
	case off%60 != 0:
		return "no Etc/GMT zone is " + offsetText(off) + ": name the zone of a place that has it (e.g. Asia/Kolkata for UTC+05:30)", true
	case h > 14 || h < -12:
		return "no time zone is " + offsetText(off) + " (offsets run from UTC-12 to UTC+14)", true
	}
	// POSIX counts hours west of Greenwich: Etc/GMT-3 is UTC+3.
	name, dir := "Etc/GMT-"+strconv.Itoa(h), "ahead of"
	if h < 0 {
		name, dir = "Etc/GMT+"+strconv.Itoa(-h), "behind"
	}
	hours := "hours"
	if h == 1 || h == -1 {
		hours = "hour"
	}
	return didYouMean(name) + " (the sign of Etc/GMT zones is inverted, POSIX style: " + name + " is " +
		strconv.Itoa(max(h, -h)) + " " + hours + " " + dir + " UTC)", true
}

// utcOffset reads a UTC offset in minutes: an optional UTC or GMT, in any
// case, then a sign and hours, with minutes after a colon or as the last
// two of four digits: "UTC+3", "gmt -5", "UTC+03:00", "+0530".
func utcOffset(s string) (int, bool) {
	if len(s) >= 3 && (strings.EqualFold(s[:3], "UTC") || strings.EqualFold(s[:3], "GMT")) {
		s = s[3:]
	}
	s = strings.TrimLeft(s, " ")
	if s == "" || s[0] != '+' && s[0] != '-' {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, m := strings.TrimLeft(s[1:], " "), "0"
	if hh, mm, ok := strings.Cut(h, ":"); ok {
		h, m = hh, mm
		if len(m) != 2 {
			return 0, false
		}
	} else if len(h) == 4 {
		h, m = h[:2], h[2:]
	}
	hours, err1 := strconv.ParseUint(h, 10, 8)
	mins, err2 := strconv.ParseUint(m, 10, 8)
	if err1 != nil || err2 != nil || len(h) > 2 || mins >= 60 {
		return 0, false
	}
	return sign * int(hours*60+mins), true
}

// offsetText writes an offset in minutes as UTC+05:30.
func offsetText(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return "UTC" + sign + leftPad2(off/60) + ":" + leftPad2(off%60)
}

func leftPad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
