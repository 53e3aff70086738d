package videov1

// TopicPublished carries the video app's VideoPublished, WorksCounted and VideoDeleted events,
// keyed by author id, so an author's events stay in order: a take-down never overtakes the
// publish it undoes.
const TopicPublished = "video.published"

// CounterConsumer is the video app's consumer group: it keeps favorite_count and
// comment_count of videos from the interaction app's events.
const CounterConsumer = "video-counters"
