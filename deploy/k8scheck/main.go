// Command k8scheck validates rendered Kubernetes manifests offline, for deploy/check.sh:
//
//	k8scheck -label deploy/k8s/base rendered.yaml
//
// Schema: every object must be of a kind listed in known, and decode strictly into that kind's
// Go API type: an unknown or misspelt field, a duplicate key or a value of the wrong type (a
// malformed quantity, a string for an integer) fails. The built-in kinds use k8s.io/api, the
// ServiceMonitor the Prometheus Operator's own API types, from which its CRD schema is
// generated. Any other kind fails until it is added here on purpose.
//
// References and the rules deploy/README.md promises: every Deployment has one
// HorizontalPodAutoscaler (CPU-based, with CPU requests to measure against, and no
// spec.replicas in the Deployment to fight it) and a PodDisruptionBudget; every image has a
// tag that is not "latest", the same for all; Services, probes, HPAs, PDBs, NetworkPolicies,
// ServiceMonitors and the Ingress point at things that exist (pods, named ports, Services); the
// admin address (DOUYIN_ADMIN_ADDR) binds beyond loopback on the port named "admin"; with
// NetworkPolicies, every Service port is still let in by some policy and DNS let out; with
// ServiceMonitors, every app is scraped.
//
// Prints one line per problem and exits 1 if there was any.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	label := flag.String("label", "", "name of the rendering in messages (default: the file)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: k8scheck [-label name] rendered.yaml")
		os.Exit(2)
	}
	file := flag.Arg(0)
	if *label == "" {
		*label = file
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c := &checker{}
	c.decodeAll(data)
	if len(c.problems) == 0 {
		c.checkRefs()
	} else {
		c.fail("reference checks skipped until every document decodes")
	}
	for _, p := range c.problems {
		fmt.Fprintf(os.Stderr, "FAIL: %s: %s\n", *label, p)
	}
	if len(c.problems) > 0 {
		os.Exit(1)
	}
	kinds := map[string]int{}
	for _, o := range c.objects {
		kinds[o.kind]++
	}
	var names []string
	for k, n := range kinds {
		names = append(names, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(names)
	fmt.Printf("ok:   %s: %d objects valid (%s)\n", *label, len(c.objects), strings.Join(names, ", "))
}

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme,
		policyv1.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

type object struct {
	kind string
	meta *metav1.ObjectMeta
	obj  runtime.Object
}

func (o object) String() string { return o.kind + " " + o.meta.Name }

type checker struct {
	problems []string
	objects  []object
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// decodeAll splits the stream into documents and decodes each strictly into its API type.
func (c *checker) decodeAll(data []byte) {
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.fail("document %d: %v", i, err)
			return
		}
		if len(bytes.TrimSpace(doc)) == 0 || string(bytes.TrimSpace(doc)) == "---" {
			continue
		}
		// What the document claims to be, for the messages and the list of known kinds.
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		what := fmt.Sprintf("document %d", i)
		if err := yaml.Unmarshal(doc, &head); err == nil && head.Kind != "" {
			what = fmt.Sprintf("%s %s (document %d)", head.Kind, head.Metadata.Name, i)
		}
		if !known[head.APIVersion+" "+head.Kind] {
			c.fail("%s: apiVersion %q kind %q is not a kind this check knows: add it to deploy/k8scheck on purpose", what, head.APIVersion, head.Kind)
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			c.fail("%s: %v", what, err)
			continue
		}
		o := object{kind: gvk.Kind, obj: obj, meta: metaOf(obj)}
		if o.meta == nil {
			c.fail("%s: the object has no metadata", what)
			continue
		}
		c.checkMeta(o)
		c.objects = append(c.objects, o)
	}
}

// known lists the kinds the manifests may hold: each must be in the scheme.
var known = map[string]bool{
	"v1 Namespace":                            true,
	"v1 ConfigMap":                            true,
	"v1 Secret":                               true,
	"v1 Service":                              true,
	"apps/v1 Deployment":                      true,
	"autoscaling/v2 HorizontalPodAutoscaler":  true,
	"policy/v1 PodDisruptionBudget":           true,
	"networking.k8s.io/v1 NetworkPolicy":      true,
	"networking.k8s.io/v1 Ingress":            true,
	"monitoring.coreos.com/v1 ServiceMonitor": true,
}

// metaOf is obj's metadata: every Kubernetes object embeds an ObjectMeta, which the accessor
// hands out; nil for an object without one.
func metaOf(obj runtime.Object) *metav1.ObjectMeta {
	if o, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if m, ok := o.GetObjectMeta().(*metav1.ObjectMeta); ok {
			return m
		}
	}
	return nil
}

func (c *checker) checkMeta(o object) {
	if o.meta.Name == "" {
		c.fail("%s: no metadata.name", o.kind)
	}
	if o.kind != "Namespace" {
		for _, msg := range validation.IsDNS1123Subdomain(o.meta.Name) {
			c.fail("%s: name: %s", o, msg)
		}
	}
	for _, e := range metavalidation.ValidateLabels(o.meta.Labels, field.NewPath("metadata", "labels")) {
		c.fail("%s: %v", o, e)
	}
}

// ---- references -------------------------------------------------------------------------------

type deployment struct {
	*appsv1.Deployment
	ports map[string]int32 // container port name -> number
}

func (d deployment) podLabels() labels.Set { return labels.Set(d.Spec.Template.Labels) }

func (d deployment) hasPort(p intstr.IntOrString) bool {
	if p.Type == intstr.String {
		_, ok := d.ports[p.StrVal]
		return ok
	}
	for _, n := range d.ports {
		if n == p.IntVal {
			return true
		}
	}
	for _, ctr := range d.Spec.Template.Spec.Containers {
		for _, cp := range ctr.Ports {
			if cp.ContainerPort == p.IntVal {
				return true
			}
		}
	}
	return false
}

func (c *checker) checkRefs() {
	var (
		deps      []deployment
		services  []*corev1.Service
		hpas      []*autoscalingv2.HorizontalPodAutoscaler
		pdbs      []*policyv1.PodDisruptionBudget
		policies  []*networkingv1.NetworkPolicy
		monitors  []*monitoringv1.ServiceMonitor
		ingresses []*networkingv1.Ingress
		configs   = map[string]*corev1.ConfigMap{}
	)
	for _, o := range c.objects {
		switch t := o.obj.(type) {
		case *appsv1.Deployment:
			d := deployment{Deployment: t, ports: map[string]int32{}}
			for _, ctr := range t.Spec.Template.Spec.Containers {
				for _, p := range ctr.Ports {
					if p.Name == "" {
						continue
					}
					if _, dup := d.ports[p.Name]; dup {
						c.fail("Deployment %s: two container ports named %q", t.Name, p.Name)
					}
					d.ports[p.Name] = p.ContainerPort
				}
			}
			deps = append(deps, d)
		case *corev1.Service:
			services = append(services, t)
		case *autoscalingv2.HorizontalPodAutoscaler:
			hpas = append(hpas, t)
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, t)
		case *networkingv1.NetworkPolicy:
			policies = append(policies, t)
		case *monitoringv1.ServiceMonitor:
			monitors = append(monitors, t)
		case *networkingv1.Ingress:
			ingresses = append(ingresses, t)
		case *corev1.ConfigMap:
			configs[t.Name] = t
		}
	}

	selected := func(what string, sel *metav1.LabelSelector, ns string) []deployment {
		if sel == nil {
			c.fail("%s: no selector", what)
			return nil
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			c.fail("%s: selector: %v", what, err)
			return nil
		}
		var out []deployment
		for _, d := range deps {
			if d.Namespace == ns && s.Matches(d.podLabels()) {
				out = append(out, d)
			}
		}
		return out
	}

	// Deployments: selector, images, requests, probes, admin address.
	for _, d := range deps {
		what := "Deployment " + d.Name
		if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
			c.fail("%s: no spec.selector", what)
		} else if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
			c.fail("%s: spec.selector: %v", what, err)
		} else if !s.Matches(d.podLabels()) {
			c.fail("%s: spec.selector does not match the pod template's labels", what)
		}
		if len(d.Spec.Template.Spec.Containers) == 0 {
			c.fail("%s: no containers", what)
		}
		for _, ctr := range d.Spec.Template.Spec.Containers {
			cw := fmt.Sprintf("%s, container %s", what, ctr.Name)
			checkImage(c, cw, ctr.Image)
			if _, ok := ctr.Resources.Requests[corev1.ResourceCPU]; !ok {
				c.fail("%s: no CPU request (the HPA measures utilisation against it)", cw)
			}
			for name, p := range map[string]*corev1.Probe{"startupProbe": ctr.StartupProbe, "readinessProbe": ctr.ReadinessProbe, "livenessProbe": ctr.LivenessProbe} {
				if p != nil && p.HTTPGet != nil && !d.hasPort(p.HTTPGet.Port) {
					c.fail("%s: %s port %s is not a container port", cw, name, p.HTTPGet.Port.String())
				}
			}
			if port, ok := d.ports["admin"]; ok {
				c.checkAdminAddr(cw, ctr, configs, port)
			}
		}
	}

	// One version for every app: the base's images: set one newTag for all of them.
	tags := map[string][]string{}
	for _, d := range deps {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			tags[imageTag(ctr.Image)] = append(tags[imageTag(ctr.Image)], d.Name)
		}
	}
	if len(tags) > 1 {
		c.fail("the Deployments run different image tags %v: set one newTag for all in the base's images:", tags)
	}

	// Services select pods and target their ports.
	svcPods := map[*corev1.Service][]deployment{}
	for _, s := range services {
		what := "Service " + s.Name
		if len(s.Spec.Selector) == 0 {
			c.fail("%s: no selector", what)
			continue
		}
		var pods []deployment
		for _, d := range deps {
			if d.Namespace == s.Namespace && labels.SelectorFromSet(s.Spec.Selector).Matches(d.podLabels()) {
				pods = append(pods, d)
			}
		}
		if len(pods) == 0 {
			c.fail("%s: its selector matches no Deployment's pods", what)
		}
		svcPods[s] = pods
		for _, p := range s.Spec.Ports {
			tp := p.TargetPort
			if tp.Type == intstr.Int && tp.IntVal == 0 {
				tp = intstr.FromInt32(p.Port)
			}
			for _, d := range pods {
				if !d.hasPort(tp) {
					c.fail("%s: port %s targets %s, not a port of Deployment %s", what, p.Name, tp.String(), d.Name)
				}
			}
		}
	}

	// One CPU-based HPA per Deployment, no replicas in the Deployment; at least one PDB.
	hpaFor := map[string]int{}
	for _, h := range hpas {
		what := "HorizontalPodAutoscaler " + h.Name
		ref := h.Spec.ScaleTargetRef
		var target *deployment
		for i := range deps {
			if deps[i].Name == ref.Name && deps[i].Namespace == h.Namespace {
				target = &deps[i]
			}
		}
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || target == nil {
			c.fail("%s: scaleTargetRef %s %s %s is not a Deployment here", what, ref.APIVersion, ref.Kind, ref.Name)
			continue
		}
		hpaFor[target.Name]++
		min := int32(1)
		if h.Spec.MinReplicas != nil {
			min = *h.Spec.MinReplicas
		}
		if min < 1 || h.Spec.MaxReplicas < min {
			c.fail("%s: want 1 <= minReplicas (%d) <= maxReplicas (%d)", what, min, h.Spec.MaxReplicas)
		}
		cpu := false
		for _, m := range h.Spec.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU {
				cpu = true
				t := m.Resource.Target
				if t.Type != autoscalingv2.UtilizationMetricType || t.AverageUtilization == nil || *t.AverageUtilization < 1 {
					c.fail("%s: the CPU metric wants type Utilization with averageUtilization >= 1", what)
				}
			}
		}
		if !cpu {
			c.fail("%s: no CPU resource metric", what)
		}
		if target.Spec.Replicas != nil {
			c.fail("Deployment %s: sets spec.replicas (%d) although HPA %s scales it: every apply would reset the HPA's count", target.Name, *target.Spec.Replicas, h.Name)
		}
	}
	for _, d := range deps {
		if hpaFor[d.Name] != 1 {
			c.fail("Deployment %s: %d HorizontalPodAutoscalers, want 1", d.Name, hpaFor[d.Name])
		}
	}
	pdbFor := map[string]int{}
	for _, p := range pdbs {
		what := "PodDisruptionBudget " + p.Name
		if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
			c.fail("%s: set exactly one of minAvailable and maxUnavailable", what)
		}
		pods := selected(what, p.Spec.Selector, p.Namespace)
		if len(pods) != 1 {
			c.fail("%s: selects the pods of %d Deployments, want 1", what, len(pods))
		}
		for _, d := range pods {
			pdbFor[d.Name]++
		}
	}
	for _, d := range deps {
		if pdbFor[d.Name] == 0 {
			c.fail("Deployment %s: no PodDisruptionBudget", d.Name)
		}
	}

	c.checkPolicies(policies, deps, services, svcPods, selected)
	c.checkMonitors(monitors, deps, services, svcPods)

	for _, ing := range ingresses {
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if b == nil {
					c.fail("Ingress %s: a path without a service backend", ing.Name)
					continue
				}
				c.checkServicePort("Ingress "+ing.Name, services, ing.Namespace, b.Name, b.Port.Name, b.Port.Number)
			}
		}
	}
}

func (c *checker) checkServicePort(what string, services []*corev1.Service, ns, name, portName string, portNumber int32) {
	for _, s := range services {
		if s.Name != name || s.Namespace != ns {
			continue
		}
		for _, p := range s.Spec.Ports {
			if (portName != "" && p.Name == portName) || (portName == "" && p.Port == portNumber) {
				return
			}
		}
		c.fail("%s: Service %s has no port %q/%d", what, name, portName, portNumber)
		return
	}
	c.fail("%s: no Service %s", what, name)
}

func imageTag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		return image[i+1:]
	}
	name := image[strings.LastIndex(image, "/")+1:]
	if i := strings.LastIndex(name, ":"); i >= 0 {
		return name[i+1:]
	}
	return ""
}

// checkImage wants a tag (or digest) other than latest: the version deployed must be known.
func checkImage(c *checker, what, image string) {
	if image == "" {
		c.fail("%s: no image", what)
		return
	}
	if strings.Contains(image, "@sha256:") {
		return
	}
	name := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(name, ":")
	if i < 0 {
		c.fail("%s: image %s has no tag (set newTag in the base's images:)", what, image)
		return
	}
	if tag := name[i+1:]; tag == "latest" || tag == "" {
		c.fail("%s: image %s: want a version tag, not %q", what, image, tag)
	}
}

// checkAdminAddr: the apps bind the admin server to 127.0.0.1:8081 unless DOUYIN_ADMIN_ADDR
// says otherwise; kubelet probes and Prometheus connect to the pod IP.
func (c *checker) checkAdminAddr(what string, ctr corev1.Container, configs map[string]*corev1.ConfigMap, port int32) {
	addr, from := "", ""
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		cm, ok := configs[ef.ConfigMapRef.Name]
		if !ok {
			c.fail("%s: envFrom ConfigMap %s does not exist here", what, ef.ConfigMapRef.Name)
			continue
		}
		if v, ok := cm.Data[ef.Prefix+"DOUYIN_ADMIN_ADDR"]; ok {
			addr, from = v, "ConfigMap "+cm.Name
		}
	}
	for _, e := range ctr.Env { // env wins over envFrom
		if e.Name == "DOUYIN_ADMIN_ADDR" {
			addr, from = e.Value, "env"
		}
	}
	if from == "" {
		c.fail("%s: has an admin port but no DOUYIN_ADMIN_ADDR: the app would bind it to loopback only", what)
		return
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		c.fail("%s: DOUYIN_ADMIN_ADDR=%q (%s): %v", what, addr, from, err)
		return
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		c.fail("%s: DOUYIN_ADMIN_ADDR=%q (%s) is loopback: probes and Prometheus could not reach it", what, addr, from)
	}
	if n, err := strconv.Atoi(p); err != nil || int32(n) != port {
		c.fail("%s: DOUYIN_ADMIN_ADDR=%q (%s), but the container port admin is %d", what, addr, from, port)
	}
}

// ---- NetworkPolicies ------------------------------------------------------------------------------

func (c *checker) checkPolicies(policies []*networkingv1.NetworkPolicy, deps []deployment, services []*corev1.Service,
	svcPods map[*corev1.Service][]deployment, selected func(string, *metav1.LabelSelector, string) []deployment) {
	type isolation struct{ ingress, egress []*networkingv1.NetworkPolicy }
	iso := map[string]*isolation{}
	for _, d := range deps {
		iso[d.Name] = &isolation{}
	}
	for _, np := range policies {
		what := "NetworkPolicy " + np.Name
		pods := selected(what, &np.Spec.PodSelector, np.Namespace)
		if len(pods) == 0 {
			c.fail("%s: its podSelector matches no Deployment's pods", what)
		}
		types := np.Spec.PolicyTypes
		if len(types) == 0 {
			c.fail("%s: set policyTypes explicitly", what)
		}
		for _, t := range types {
			for _, d := range pods {
				switch t {
				case networkingv1.PolicyTypeIngress:
					iso[d.Name].ingress = append(iso[d.Name].ingress, np)
				case networkingv1.PolicyTypeEgress:
					iso[d.Name].egress = append(iso[d.Name].egress, np)
				default:
					c.fail("%s: policyType %q", what, t)
				}
			}
		}
		for i, r := range np.Spec.Ingress {
			for _, p := range r.Ports {
				if p.Port != nil && p.Port.Type == intstr.String {
					for _, d := range pods {
						if !d.hasPort(*p.Port) {
							c.fail("%s: ingress rule %d: port %s is not a port of Deployment %s", what, i, p.Port.StrVal, d.Name)
						}
					}
				}
			}
			c.checkPeers(what, fmt.Sprintf("ingress rule %d from", i), r.From, np.Namespace, selected)
		}
		for i, r := range np.Spec.Egress {
			c.checkPeers(what, fmt.Sprintf("egress rule %d to", i), r.To, np.Namespace, selected)
			for _, p := range r.Ports {
				if p.Port == nil || p.Port.Type != intstr.String {
					continue
				}
				// A named port is resolved at the destination: only pods of ours have names we know.
				var peers []deployment
				for _, peer := range r.To {
					if peer.PodSelector != nil && peer.NamespaceSelector == nil {
						peers = append(peers, selected(what, peer.PodSelector, np.Namespace)...)
					}
				}
				if len(peers) == 0 {
					c.fail("%s: egress rule %d: named port %s needs a podSelector peer of this namespace", what, i, p.Port.StrVal)
				}
				for _, d := range peers {
					if !d.hasPort(*p.Port) {
						c.fail("%s: egress rule %d: port %s is not a port of Deployment %s", what, i, p.Port.StrVal, d.Name)
					}
				}
			}
		}
	}
	// Once isolated, every port a Service offers must be let in by some rule, and DNS let out.
	for _, s := range services {
		for _, d := range svcPods[s] {
			policies := iso[d.Name].ingress
			if len(policies) == 0 {
				continue
			}
			for _, sp := range s.Spec.Ports {
				tp := sp.TargetPort
				if !ingressAllows(policies, d, tp) {
					c.fail("Deployment %s: NetworkPolicies let nothing in on Service %s's port %s (%s)", d.Name, s.Name, sp.Name, tp.String())
				}
			}
		}
	}
	for _, d := range deps {
		if policies := iso[d.Name].egress; len(policies) > 0 && !egressAllowsDNS(policies) {
			c.fail("Deployment %s: NetworkPolicies let no DNS (UDP 53) out", d.Name)
		}
	}
}

func (c *checker) checkPeers(what, where string, peers []networkingv1.NetworkPolicyPeer, ns string,
	selected func(string, *metav1.LabelSelector, string) []deployment) {
	for j, peer := range peers {
		w := fmt.Sprintf("%s: %s peer %d", what, where, j)
		if peer.NamespaceSelector != nil {
			if _, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector); err != nil {
				c.fail("%s: namespaceSelector: %v", w, err)
			}
		}
		if peer.PodSelector != nil {
			if _, err := metav1.LabelSelectorAsSelector(peer.PodSelector); err != nil {
				c.fail("%s: podSelector: %v", w, err)
			} else if peer.NamespaceSelector == nil && len(selected(w, peer.PodSelector, ns)) == 0 {
				c.fail("%s: podSelector matches no Deployment's pods in this namespace", w)
			}
		}
		if peer.IPBlock != nil {
			if _, _, err := net.ParseCIDR(peer.IPBlock.CIDR); err != nil {
				c.fail("%s: ipBlock: %v", w, err)
			}
		}
		if peer.PodSelector == nil && peer.NamespaceSelector == nil && peer.IPBlock == nil {
			c.fail("%s: empty peer", w)
		}
	}
}

func ingressAllows(policies []*networkingv1.NetworkPolicy, d deployment, port intstr.IntOrString) bool {
	num := port.IntVal
	if port.Type == intstr.String {
		num = d.ports[port.StrVal]
	}
	for _, np := range policies {
		for _, r := range np.Spec.Ingress {
			if len(r.Ports) == 0 {
				return true
			}
			for _, p := range r.Ports {
				if p.Port == nil {
					return true
				}
				if (p.Port.Type == intstr.String && d.ports[p.Port.StrVal] == num) || (p.Port.Type == intstr.Int && p.Port.IntVal == num) {
					return true
				}
			}
		}
	}
	return false
}

func egressAllowsDNS(policies []*networkingv1.NetworkPolicy) bool {
	for _, np := range policies {
		for _, r := range np.Spec.Egress {
			if len(r.Ports) == 0 {
				return true
			}
			for _, p := range r.Ports {
				udp := p.Protocol != nil && *p.Protocol == corev1.ProtocolUDP
				if udp && (p.Port == nil || (p.Port.Type == intstr.Int && p.Port.IntVal == 53)) {
					return true
				}
			}
		}
	}
	return false
}

// ---- ServiceMonitors ----------------------------------------------------------------------------

// The Prometheus Operator's CRD pattern for a Duration.
var durationRE = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)

func (c *checker) checkMonitors(monitors []*monitoringv1.ServiceMonitor, deps []deployment, services []*corev1.Service, svcPods map[*corev1.Service][]deployment) {
	scraped := map[string]bool{}
	for _, m := range monitors {
		what := "ServiceMonitor " + m.Name
		if m.Spec.NamespaceSelector.Any || len(m.Spec.NamespaceSelector.MatchNames) > 0 {
			c.fail("%s: namespaceSelector: this check only follows ServiceMonitors of the Services' own namespace", what)
		}
		sel, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
		if err != nil {
			c.fail("%s: selector: %v", what, err)
			continue
		}
		if sel.Empty() {
			c.fail("%s: an empty selector would scrape every Service of the namespace", what)
		}
		var matched []*corev1.Service
		for _, s := range services {
			if s.Namespace == m.Namespace && sel.Matches(labels.Set(s.Labels)) {
				matched = append(matched, s)
			}
		}
		if len(matched) == 0 {
			c.fail("%s: its selector matches no Service (it selects Services' labels)", what)
		}
		if len(m.Spec.Endpoints) == 0 {
			c.fail("%s: no endpoints", what)
		}
		for i, e := range m.Spec.Endpoints {
			ew := fmt.Sprintf("%s: endpoint %d", what, i)
			if e.Port == "" {
				c.fail("%s: name the Service port (port:)", ew)
			}
			if e.Path != "" && !strings.HasPrefix(e.Path, "/") {
				c.fail("%s: path %q", ew, e.Path)
			}
			for name, d := range map[string]monitoringv1.Duration{"interval": e.Interval, "scrapeTimeout": e.ScrapeTimeout} {
				if !durationRE.MatchString(string(d)) {
					c.fail("%s: %s %q is not a Prometheus duration", ew, name, d)
				}
			}
			any := false
			for _, s := range matched {
				for _, p := range s.Spec.Ports {
					if p.Name == e.Port {
						any = true
						for _, d := range svcPods[s] {
							scraped[d.Name] = true
						}
					}
				}
			}
			if !any && len(matched) > 0 {
				c.fail("%s: none of the Services it selects has a port named %q", ew, e.Port)
			}
		}
	}
	if len(monitors) > 0 {
		for _, d := range deps {
			if !scraped[d.Name] {
				c.fail("Deployment %s: no ServiceMonitor scrapes it", d.Name)
			}
		}
	}
}
