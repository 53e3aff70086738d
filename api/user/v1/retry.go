package userv1

// RetryableMethods may be sent again when the user app could not be reached: they change
// nothing (a login only checks a password). Register is not among them: had a lost first
// attempt created the account, the second would answer "username taken".
var RetryableMethods = []string{
	UserService_Login_FullMethodName,
	UserService_GetUsers_FullMethodName,
	UserService_GetAccounts_FullMethodName,
}
