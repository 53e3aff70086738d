package gateway

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/douyin-kratos/douyin/app/gateway/internal/server"
	"github.com/douyin-kratos/douyin/pkg/config"
)

// AdminTokenFile is where an all-in-one keeps the admin token it made, under data_dir.
const AdminTokenFile = "admin_token"

// adminActions are the admin command's actions: the HTTP method and path of each on the
// admin address (server.NewAdminHandler).
var adminActions = map[string]struct{ method, path string }{
	"ban-user":       {http.MethodPost, "users/%d/ban"},
	"unban-user":     {http.MethodPost, "users/%d/unban"},
	"delete-video":   {http.MethodDelete, "videos/%d"},
	"delete-comment": {http.MethodDelete, "comments/%d"},
}

const adminUsage = `usage: %[1]s admin [-conf FILE] [-operator NAME] ACTION ID

Takes content and accounts down through the running system, on its admin address
(admin_addr, DOUYIN_ADMIN_ADDR), with its admin token (admin_token, DOUYIN_ADMIN_TOKEN, or
the one an all-in-one made in data_dir/admin_token):

  ban-user ID        the user cannot log in; every token of theirs is refused at once
  unban-user ID      the user may log in again (tokens from before the ban stay refused)
  delete-video ID    the video leaves the feed and every list; its files are removed and
                     every count that included it follows
  delete-comment ID  the comment goes, whoever wrote it; its video's comment count follows

Each action is logged by the server with the operator's name and address.
`

// WithAdminCommand runs the operators' command when the process was started as `<process>
// admin ...`, and run (the process itself) otherwise: the commands that serve the admin routes,
// the gateway and the all-in-one, start this way.
func WithAdminCommand(process string, run func()) {
	if len(os.Args) > 1 && os.Args[1] == "admin" {
		os.Exit(AdminCommand(process, os.Args[2:]))
	}
	run()
}

// AdminCommand runs "<process> admin ...", the operators' command, and returns the exit code.
// It reads the same configuration as the process it talks to (-conf, DOUYIN_* variables), so it
// finds the admin address and token the way that process does.
func AdminCommand(process string, args []string) int {
	fs := flag.NewFlagSet(process+" admin", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), adminUsage, process); fs.PrintDefaults() }
	confPath := fs.String("conf", "", "YAML config file of the process (optional; DOUYIN_* variables override it)")
	operator := fs.String("operator", defaultOperator(), "who is acting, for the server's log")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	action, ok := adminActions[fs.Arg(0)]
	id, err := strconv.ParseInt(fs.Arg(1), 10, 64)
	if fs.NArg() != 2 || !ok || err != nil || id <= 0 {
		fs.Usage()
		return 2
	}
	if err := runAdmin(*confPath, *operator, fs.Arg(0), fmt.Sprintf(action.path, id), action.method); err != nil {
		fmt.Fprintf(os.Stderr, "%s admin %s %d: %v\n", process, fs.Arg(0), id, err)
		return 1
	}
	return 0
}

func runAdmin(confPath, operator, name, path, method string) error {
	bc, _, err := config.Load(confPath)
	if err != nil {
		return err
	}
	addr := bc.GetAdminAddr()
	if addr == "" {
		return errors.New("no admin address: set admin_addr (DOUYIN_ADMIN_ADDR) to the one the server listens on")
	}
	token := bc.GetAdminToken()
	if token == "" {
		b, err := os.ReadFile(filepath.Join(bc.GetDataDir(), AdminTokenFile))
		if err != nil {
			return fmt.Errorf("no admin token: set admin_token (DOUYIN_ADMIN_TOKEN), or run this where the all-in-one's data_dir is (%w)", err)
		}
		token = strings.TrimSpace(string(b))
	}
	req, err := http.NewRequest(method, "http://"+addr+server.AdminPrefix+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(server.OperatorHeader, operator)
	// Deleting a video waits for its counts to follow; a few seconds at most.
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("is the server running with its admin address on %s? %w", addr, err)
	}
	defer resp.Body.Close()
	var reply server.AdminReply
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("%s answered %s, not an admin reply: %.200q", addr, resp.Status, body)
	}
	if reply.Error != "" {
		return fmt.Errorf("%s (%s)", reply.Error, reply.Reason)
	}
	fmt.Printf("%s %d: %s\n", name, reply.ID, reply.Message)
	return nil
}

// defaultOperator is the login name and host of whoever runs the command.
func defaultOperator() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if host, err := os.Hostname(); err == nil {
		name += "@" + host
	}
	return name
}
