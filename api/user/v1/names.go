package userv1

import "golang.org/x/text/secure/precis"

// CanonicalName returns username as the user app stores, compares and looks it up: the way
// people read it. PRECIS' Nickname profile folds width and compatibility variants (a full-width
// "ａlice" is "alice"), normalises and trims spaces, and refuses what a reader cannot see or
// that changes how the text around it reads: control, format (zero-width, bidi override) and
// unassigned characters. Case is kept and still tells names apart.
//
// It is part of the API so that whoever counts per username (the gateway's failed-login
// throttle) counts every spelling of one name as that name.
func CanonicalName(username string) (string, error) {
	return precis.Nickname.String(username)
}
