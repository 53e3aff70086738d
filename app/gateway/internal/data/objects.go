package data

import (
	"context"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
	"github.com/douyin-kratos/douyin/pkg/objectstore"
)

// Objects is the object store the gateway serves files from, or nil when the phone fetches
// them from storage.public_url directly.
type Objects struct {
	*objectstore.Store
}

// NewObjects connects to object storage when this gateway must serve the objects itself.
func NewObjects(bc *confv1.Bootstrap) (*Objects, error) {
	if bc.GetStorage().GetPublicUrl() != "" {
		return nil, nil
	}
	store, err := objectstore.Open(context.Background(), bc.GetStorage())
	if err != nil {
		return nil, err
	}
	return &Objects{Store: store}, nil
}
