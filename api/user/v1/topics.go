package userv1

// CounterConsumer is the user app's consumer group: it keeps users' favorite_count and
// total_favorited from the interaction app's events, work_count from the video app's, and
// follow_count and follower_count from the relation app's. An
// action that changes them returns once it has applied them, so the user who acted sees the
// new counts in the next request.
const CounterConsumer = "user-counters"
