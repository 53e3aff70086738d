package data

import (
	"context"
	"iter"
	"strings"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/app/video/internal/biz"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// ObjectStore implements biz.ObjectStore on an S3 bucket.
type ObjectStore struct {
	*objectstore.Store
	// publicURL is the base the phone fetches objects from; empty means the gateway serves them
	// under /objects/.
	publicURL string
}

// NewObjectStore connects to the configured bucket.
func NewObjectStore(storage *confv1.Storage) (*ObjectStore, error) {
	store, err := objectstore.Open(context.Background(), storage)
	if err != nil {
		return nil, err
	}
	return &ObjectStore{Store: store, publicURL: strings.TrimSuffix(storage.GetPublicUrl(), "/")}, nil
}

// URL implements biz.ObjectStore.
func (s *ObjectStore) URL(key string) string {
	if s.publicURL != "" {
		return s.publicURL + "/" + key
	}
	return objectstore.ServePath + key
}

// List implements biz.ObjectStore.
func (s *ObjectStore) List(ctx context.Context, prefix string) iter.Seq2[biz.StoredObject, error] {
	return func(yield func(biz.StoredObject, error) bool) {
		for obj, err := range s.Store.List(ctx, prefix) {
			if !yield(biz.StoredObject{Key: obj.Key, LastModified: obj.LastModified}, err) {
				return
			}
		}
	}
}
