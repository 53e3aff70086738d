package service

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"unicode/utf8"

	gatewayv1 "github.com/douyin-kratos/douyin/api/gateway/v1"
	"github.com/douyin-kratos/douyin/app/gateway/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/apierror"
)

var (
	errNotMultipart = invalidParameter("publish expects a multipart/form-data body with data, token and title")
	errNoFile       = invalidParameter("no video: send the file in the data field")
	errTwoFiles     = invalidParameter("send one video per upload")
	errInterrupted  = apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, "the upload was interrupted before the whole file arrived")
)

// maxFieldBytes bounds the token and title fields of an upload.
const maxFieldBytes = 8 << 10

// PublishUpload publishes the video in a multipart body as it streams in: the file goes to the
// video app chunk by chunk and never sits whole in memory. The app may send the token and title
// before or after the file; as in every route, values in the query string win. A token known
// before the file is checked before the file is read; a field the upload does not take is
// refused as soon as its name arrives, its content unread. When the upload fails after the file
// was sent on (a bad token after it), the video app has deleted it by the time this returns.
// An error reading the body wraps the reader's (an *http.MaxBytesError past the server's cap).
func (s *DouyinService) PublishUpload(ctx context.Context, query url.Values, form *multipart.Reader) (*gatewayv1.PublishActionResponse, error) {
	token, title := query.Get("token"), query.Get("title")
	if !utf8.ValidString(token) {
		return nil, notUTF8("token")
	}
	if !utf8.ValidString(title) {
		return nil, notUTF8("title")
	}
	viewer := int64(0)
	authorize := func() error {
		if viewer != 0 {
			return nil
		}
		id, err := s.requireViewer(ctx, token)
		if err != nil {
			return err
		}
		viewer = id
		return s.videos.AllowPublish(ctx, viewer)
	}
	if token != "" {
		if err := authorize(); err != nil {
			return nil, err
		}
	}

	var upload biz.VideoUpload
	published := false
	defer func() {
		if upload != nil && !published {
			upload.Abort()
		}
	}()
	for {
		part, err := form.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errInterrupted.WithCause(err)
		}
		switch part.FormName() {
		case "data":
			if upload != nil {
				return nil, errTwoFiles
			}
			if upload, err = s.videos.NewUpload(ctx); err != nil {
				return nil, err
			}
			if err := copyUpload(upload, part); err != nil {
				return nil, err
			}
		case "token":
			value, err := readField(part, "token")
			if err != nil {
				return nil, err
			}
			if token == "" && value != "" {
				token = value
				if err := authorize(); err != nil {
					return nil, err
				}
			}
		case "title":
			value, err := readField(part, "title")
			if err != nil {
				return nil, err
			}
			if title == "" {
				title = value
			}
		default:
			// Read on, the multipart reader would skip the field by reading all of it.
			return nil, invalidParameter("the form has a field %.64q, which publish does not take: send data, token and title", part.FormName())
		}
	}
	if upload == nil {
		return nil, errNoFile
	}
	if err := authorize(); err != nil {
		return nil, err
	}
	published = true // Publish aborts the upload itself when it fails
	if err := s.videos.Publish(viewer, title, upload); err != nil {
		return nil, err
	}
	return &gatewayv1.PublishActionResponse{StatusMsg: "published"}, nil
}

// copyUpload streams the file part into the upload, telling a client that stopped sending
// apart from a refusal by the video app (too large), whose error is passed on as it is.
func copyUpload(upload io.Writer, part io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, readErr := part.Read(buf)
		if n > 0 {
			if _, err := upload.Write(buf[:n]); err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return errInterrupted.WithCause(readErr)
		}
	}
}

// readField reads the form field name, which must be UTF-8 text like every string the apps
// exchange (gRPC refuses anything else).
func readField(part io.Reader, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil {
		return "", errInterrupted.WithCause(err)
	}
	if len(b) > maxFieldBytes {
		return "", invalidParameter("a form field is longer than %d bytes", maxFieldBytes)
	}
	if !utf8.Valid(b) {
		return "", notUTF8(name)
	}
	return strings.TrimSpace(string(b)), nil
}

// notUTF8 says the same as the other routes do of a parameter that is not UTF-8.
func notUTF8(name string) error {
	return invalidParameter("%s is not valid UTF-8 text", name)
}

func invalidParameter(format string, args ...any) error {
	return apierror.New(gatewayv1.ErrorReason_INVALID_PARAMETER, format, args...)
}
