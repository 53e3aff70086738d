package messagev1

// RetryableMethods may be sent again when the message app could not be reached: the reads.
// Sending a message twice would show it twice.
var RetryableMethods = []string{
	MessageService_Chat_FullMethodName,
	MessageService_Latest_FullMethodName,
}
