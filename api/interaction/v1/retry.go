package interactionv1

// RetryableMethods may be sent again when the interaction app could not be reached: the reads,
// and Favorite, which sets a like to a state (liked or not), so repeating it changes nothing
// more. Posting a comment would post it twice, and deleting one that a lost first attempt
// deleted would answer "not found".
var RetryableMethods = []string{
	InteractionService_Favorite_FullMethodName,
	InteractionService_ListFavorites_FullMethodName,
	InteractionService_IsFavorite_FullMethodName,
	InteractionService_ListComments_FullMethodName,
}
