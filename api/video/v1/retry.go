package videov1

// RetryableMethods may be sent again when the video app could not be reached: they change
// nothing. Publish is a stream of the upload and is not retried.
var RetryableMethods = []string{
	VideoService_Feed_FullMethodName,
	VideoService_ListByAuthor_FullMethodName,
	VideoService_GetVideos_FullMethodName,
}
