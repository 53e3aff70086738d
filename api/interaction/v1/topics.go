package interactionv1

// Topics of the interaction app's events, keyed by video id.
const (
	TopicFavorite = "interaction.favorite" // FavoriteChanged
	TopicComment  = "interaction.comment"  // CommentChanged
)

// Consumer groups that keep counts from these events. A like returns once both applied it, so
// the user who liked sees the new counts in the next request.
const (
	ConsumerVideoCounters = "video-counters" // favorite_count and comment_count of videos
	ConsumerUserCounters  = "user-counters"  // favorite_count and total_favorited of users
)
