package biz

import "context"

// Counter is a count of changes (pkg/changes): an answer kept at one count is good while the
// count stands.
type Counter interface {
	Count(ctx context.Context) (int64, error)
}

// Changes are the counts the gateway keeps answers by. A nil one is a count the gateway cannot
// see whole (a cluster without Redis): then answers it would govern are not kept.
type Changes struct {
	// Reads counts what feeds, profiles and lists show.
	Reads Counter
	// Messages counts the messages sent, which chats show.
	Messages Counter
}
