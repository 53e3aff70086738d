package relationv1

// TopicFollow carries FollowChanged events, keyed by follower id.
const TopicFollow = "relation.follow"
