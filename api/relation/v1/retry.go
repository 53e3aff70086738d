package relationv1

// RetryableMethods may be sent again when the relation app could not be reached: the reads, and
// Follow, which sets a follow to a state (following or not), so repeating it changes nothing
// more.
var RetryableMethods = []string{
	RelationService_Follow_FullMethodName,
	RelationService_ListFollowing_FullMethodName,
	RelationService_ListFollowers_FullMethodName,
	RelationService_ListFriends_FullMethodName,
	RelationService_FollowedAmong_FullMethodName,
	RelationService_AreFriends_FullMethodName,
}
