// Command listener is the desktop side of scripts/gui-smoke.sh: on the
// session bus it serves the freedesktop notification service and, with
// -tray, a StatusNotifierWatcher (the host of tray icons), and writes what
// arrives to a file as JSON lines until it is stopped:
//
//	{"notification":{"appName":"io.provisio.desktop","summary":"…","body":"…",…}}
//	{"trayItem":":1.42"}
//
// It writes {"ready":true} once it owns its names.
//
// With -menu SERVICE it is a tray host's user instead: it prints the labels
// of the tray menu of the item SERVICE registered, one a line, and with
// -click LABEL also clicks that item.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"

	"provisio/app/notify"
	"provisio/app/notify/notifytest"
)

func main() {
	out := flag.String("out", "", "file to append JSON lines to")
	tray := flag.Bool("tray", false, "also be the StatusNotifierWatcher, so that apps show a tray icon")
	menu := flag.String("menu", "", "print the tray menu of this registered item's bus name")
	click := flag.String("click", "", "with -menu, click the item with this label")
	flag.Parse()
	var err error
	if *menu != "" {
		err = showMenu(*menu, *click)
	} else {
		err = run(*out, *tray)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "listener:", err)
		os.Exit(1)
	}
}

type line struct {
	Ready        bool                     `json:"ready,omitempty"`
	Notification *notifytest.Notification `json:"notification,omitempty"`
	TrayItem     string                   `json:"trayItem,omitempty"`
}

// layout is a com.canonical.dbusmenu item: its id, properties and
// children.
type layout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

func showMenu(service, click string) error {
	conn, err := notify.DialSessionBus()
	if err != nil {
		return err
	}
	defer conn.Close()
	obj := conn.Object(service, "/StatusNotifierMenu")
	var rev uint32
	var root layout
	if err := obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return err
	}
	found := click == ""
	for _, c := range root.Children {
		var item layout
		if err := dbus.Store([]any{c.Value()}, &item); err != nil {
			return err
		}
		label, _ := item.Props["label"].Value().(string)
		if t, _ := item.Props["type"].Value().(string); t == "separator" {
			label = "—"
		}
		fmt.Println(label)
		if label == click {
			found = true
			if err := obj.Call("com.canonical.dbusmenu.Event", 0, item.ID, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
				return err
			}
		}
	}
	if !found {
		return fmt.Errorf("the tray menu has no item %q", click)
	}
	return nil
}

func run(out string, tray bool) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	write := func(l line) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := json.Marshal(l)
		f.Write(append(b, '\n'))
	}
	conn, err := notify.DialSessionBus()
	if err != nil {
		return err
	}
	defer conn.Close()
	srv, err := notifytest.NewServer(conn)
	if err != nil {
		return err
	}
	if tray {
		if err := conn.Export(watcher{write}, "/StatusNotifierWatcher", notify.StatusNotifierWatcher); err != nil {
			return err
		}
		if reply, err := conn.RequestName(notify.StatusNotifierWatcher, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			return fmt.Errorf("cannot own %s: %v", notify.StatusNotifierWatcher, err)
		}
	}
	write(line{Ready: true})
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		n, err := srv.Next(200 * time.Millisecond)
		if err == nil {
			write(line{Notification: &n})
		}
	}
}

// watcher is the part of org.kde.StatusNotifierWatcher that tray icons
// call to register.
type watcher struct{ write func(line) }

func (w watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	if service == "" || service[0] == '/' { // a path: the item is the sender's
		service = string(sender)
	}
	w.write(line{TrayItem: service})
	return nil
}

func (w watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }
