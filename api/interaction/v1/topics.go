package interactionv1

// Topics of the interaction app's events, keyed by video id.
const (
	TopicFavorite = "interaction.favorite" // FavoriteChanged
	TopicComment  = "interaction.comment"  // CommentChanged
)
