package interactionv1

// Topics of the interaction app's events, keyed by video id.
const (
	TopicFavorite = "interaction.favorite" // FavoriteChanged
	TopicComment  = "interaction.comment"  // CommentChanged
)

// TakedownConsumer is the interaction app's consumer group on the video app's events: for a
// VideoDeleted it removes the video's favorites (each announced as an unfavorite) and comments.
const TakedownConsumer = "interaction-takedowns"
