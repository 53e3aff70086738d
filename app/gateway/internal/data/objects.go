package data

import (
	"context"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// NewObjectStore connects to object storage when this gateway must serve the objects itself,
// and returns nil when the phone fetches them from storage.public_url directly.
func NewObjectStore(storage *confv1.Storage) (*objectstore.Store, error) {
	if storage.GetPublicUrl() != "" {
		return nil, nil
	}
	return objectstore.Open(context.Background(), storage)
}
