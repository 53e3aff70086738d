package discovery

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync"

	"github.com/nacos-group/nacos-sdk-go/v2/clients/naming_client"
	"github.com/nacos-group/nacos-sdk-go/v2/common/constant"
	"github.com/nacos-group/nacos-sdk-go/v2/model"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"
)

var _ naming_client.INamingClient = (*fakeNaming)(nil)

var errNotSupported = errors.New("not supported by the fake")

// fakeNaming is an in-memory Nacos naming service behind the SDK's client interface. It mimics
// what the contrib registry relies on: empty group and cluster mean DEFAULT_GROUP and DEFAULT,
// instances come back named "<group>@@<service>" as a Nacos 2 server names them, SelectInstances
// fails on an empty service, and subscribers are called synchronously, filtered by their
// clusters, whenever the service changes (the SDK calls them from its push handler).
type fakeNaming struct {
	mu        sync.Mutex
	instances map[fakeKey][]model.Instance
	subs      map[fakeKey][]*vo.SubscribeParam
	closed    bool
}

type fakeKey struct{ group, service string }

func newFakeNaming() *fakeNaming {
	return &fakeNaming{
		instances: map[fakeKey][]model.Instance{},
		subs:      map[fakeKey][]*vo.SubscribeParam{},
	}
}

func keyOf(group, service string) fakeKey {
	if group == "" {
		group = constant.DEFAULT_GROUP
	}
	return fakeKey{group, service}
}

func clusterOr(c string) string {
	if c == "" {
		return "DEFAULT"
	}
	return c
}

// hosts returns a copy of the instances registered as service in group. The metadata is copied
// too: the contrib registry's GetService writes into the maps it is handed.
func (f *fakeNaming) hosts(group, service string) []model.Instance {
	f.mu.Lock()
	defer f.mu.Unlock()
	return cloneHosts(f.instances[keyOf(group, service)])
}

func cloneHosts(hosts []model.Instance) []model.Instance {
	out := make([]model.Instance, len(hosts))
	for i, h := range hosts {
		h.Metadata = maps.Clone(h.Metadata)
		out[i] = h
	}
	return out
}

func (f *fakeNaming) RegisterInstance(p vo.RegisterInstanceParam) (bool, error) {
	if p.ServiceName == "" {
		return false, errors.New("serviceName cannot be empty")
	}
	k := keyOf(p.GroupName, p.ServiceName)
	in := model.Instance{
		Ip:          p.Ip,
		Port:        p.Port,
		Weight:      p.Weight,
		Healthy:     p.Healthy,
		Enable:      p.Enable,
		Ephemeral:   p.Ephemeral,
		ClusterName: clusterOr(p.ClusterName),
		ServiceName: k.group + "@@" + k.service,
		Metadata:    maps.Clone(p.Metadata),
	}
	in.InstanceId = strings.Join([]string{in.Ip, strconv.FormatUint(in.Port, 10), in.ClusterName, in.ServiceName}, "#")

	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return false, errors.New("client closed")
	}
	list := f.instances[k]
	replaced := false
	for i := range list {
		if list[i].InstanceId == in.InstanceId {
			list[i], replaced = in, true
		}
	}
	if !replaced {
		list = append(list, in)
	}
	f.instances[k] = list
	f.mu.Unlock()
	f.notify(k)
	return true, nil
}

func (f *fakeNaming) DeregisterInstance(p vo.DeregisterInstanceParam) (bool, error) {
	k := keyOf(p.GroupName, p.ServiceName)
	cluster := clusterOr(p.Cluster)

	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return false, errors.New("client closed")
	}
	var kept []model.Instance
	for _, in := range f.instances[k] {
		if in.Ip != p.Ip || in.Port != p.Port || in.ClusterName != cluster {
			kept = append(kept, in)
		}
	}
	changed := len(kept) != len(f.instances[k])
	if len(kept) == 0 {
		delete(f.instances, k)
	} else {
		f.instances[k] = kept
	}
	f.mu.Unlock()
	if changed {
		f.notify(k)
	}
	return true, nil
}

// notify calls k's subscribers outside the lock, so that they may call back into the client.
func (f *fakeNaming) notify(k fakeKey) {
	f.mu.Lock()
	hosts := cloneHosts(f.instances[k])
	subs := append([]*vo.SubscribeParam(nil), f.subs[k]...)
	f.mu.Unlock()
	for _, s := range subs {
		s.SubscribeCallback(inClusters(hosts, s.Clusters), nil)
	}
}

func inClusters(hosts []model.Instance, clusters []string) []model.Instance {
	if len(clusters) == 0 {
		return hosts
	}
	var out []model.Instance
	for _, h := range hosts {
		for _, c := range clusters {
			if h.ClusterName == c {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

func (f *fakeNaming) GetService(p vo.GetServiceParam) (model.Service, error) {
	k := keyOf(p.GroupName, p.ServiceName)
	return model.Service{
		Name:      k.service,
		GroupName: k.group,
		Clusters:  strings.Join(p.Clusters, ","),
		Hosts:     inClusters(f.hosts(k.group, k.service), p.Clusters),
		Valid:     true,
	}, nil
}

func (f *fakeNaming) SelectAllInstances(p vo.SelectAllInstancesParam) ([]model.Instance, error) {
	return inClusters(f.hosts(p.GroupName, p.ServiceName), p.Clusters), nil
}

func (f *fakeNaming) SelectInstances(p vo.SelectInstancesParam) ([]model.Instance, error) {
	hosts := inClusters(f.hosts(p.GroupName, p.ServiceName), p.Clusters)
	if len(hosts) == 0 {
		return []model.Instance{}, errors.New("instance list is empty!")
	}
	var out []model.Instance
	for _, h := range hosts {
		if h.Healthy == p.HealthyOnly && h.Enable && h.Weight > 0 {
			out = append(out, h)
		}
	}
	return out, nil
}

func (f *fakeNaming) Subscribe(p *vo.SubscribeParam) error {
	if p.SubscribeCallback == nil {
		return errors.New("callback cannot be nil")
	}
	if p.GroupName == "" {
		p.GroupName = constant.DEFAULT_GROUP // as the SDK does, so Unsubscribe finds it
	}
	k := keyOf(p.GroupName, p.ServiceName)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("client closed")
	}
	f.subs[k] = append(f.subs[k], p)
	return nil
}

func (f *fakeNaming) Unsubscribe(p *vo.SubscribeParam) error {
	k := keyOf(p.GroupName, p.ServiceName)
	f.mu.Lock()
	defer f.mu.Unlock()
	subs := f.subs[k]
	for i, s := range subs {
		if s == p {
			f.subs[k] = append(subs[:i:i], subs[i+1:]...)
			break
		}
	}
	return nil
}

// subscribers counts the live subscriptions to service in group.
func (f *fakeNaming) subscribers(group, service string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs[keyOf(group, service)])
}

func (f *fakeNaming) BatchRegisterInstance(vo.BatchRegisterInstanceParam) (bool, error) {
	return false, errNotSupported
}

func (f *fakeNaming) UpdateInstance(vo.UpdateInstanceParam) (bool, error) {
	return false, errNotSupported
}

func (f *fakeNaming) SelectOneHealthyInstance(vo.SelectOneHealthInstanceParam) (*model.Instance, error) {
	return nil, errNotSupported
}

func (f *fakeNaming) GetAllServicesInfo(vo.GetAllServiceInfoParam) (model.ServiceList, error) {
	return model.ServiceList{}, errNotSupported
}

func (f *fakeNaming) ServerHealthy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.closed
}

func (f *fakeNaming) CloseClient() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
}
