package ui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"provisio/engine"
)

// export asks where to save the entries that match the filters as CSV,
// and saves them there.
//
// The file is chosen in a dialog of our own (a path, and a folder picker)
// rather than Fyne's save dialog: that one opens, and so empties, the
// file it returns before the export is written, and an export that then
// failed would leave an empty file where the old one was. Here nothing is
// touched until the whole export is on disk.
func (s *auditScreen) export() {
	f, ok := s.readFilter()
	if !ok {
		return
	}
	person, fixedLabel, fixedID := s.person.Text, s.fixedLabel, s.fixedID

	path := widget.NewEntry()
	path.SetText(s.defaultExportPath())
	s.exportPath = path
	problem := problemLabel()
	path.OnChanged = func(string) { problem.Hide() }
	choose := widget.NewButtonWithIcon("Choose folder…", theme.FolderOpenIcon(), func() {
		fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
			if err != nil || u == nil {
				return
			}
			name := filepath.Base(strings.TrimSpace(path.Text))
			if name == "." || name == string(filepath.Separator) {
				name = s.defaultExportName()
			}
			path.SetText(filepath.Join(u.Path(), name))
		}, s.w.win)
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(strings.TrimSpace(path.Text)))); err == nil {
			fd.SetLocation(l)
		}
		fd.Show()
	})
	what := widget.NewLabel(s.exportScope(f, person))
	what.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(what,
		widget.NewLabelWithStyle("Save as", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, choose, path), problem,
		helpLabel("Columns: seq, time (UTC), run, person, person name, target, operation, entitlement, reference, changes, outcome, error, dry run, hash. "+
			"The file is written whole, or not at all."))

	var d *dialog.CustomDialog
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	save := widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), func() {
		target := strings.TrimSpace(path.Text)
		if err := checkExportPath(target); err != nil {
			problem.SetText(err.Error())
			problem.Show()
			return
		}
		run := func() {
			d.Hide()
			s.exportTo(target, f, person, fixedLabel, fixedID)
		}
		if _, err := os.Stat(target); err == nil {
			c := dialog.NewConfirm("Replace the file?", fmt.Sprintf("%s exists. Replace it with the export? It is replaced only once the export is complete.", target),
				func(ok bool) {
					if ok {
						run()
					}
				}, s.w.win)
			c.SetConfirmText("Replace")
			c.SetDismissText("Cancel")
			c.Show()
			return
		}
		run()
	})
	save.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons("Export the audit log as CSV", withMinSize(content, 620, 0), s.w.win)
	d.SetButtons([]fyne.CanvasObject{cancel, save})
	d.SetOnClosed(func() { s.exportPath = nil })
	d.Show()
}

// exportScope says which entries an export writes.
func (s *auditScreen) exportScope(f engine.AuditFilter, person string) string {
	var parts []string
	if p := strings.TrimSpace(person); p != "" {
		parts = append(parts, "person "+p)
	}
	if f.Target != "" {
		parts = append(parts, "target "+s.targets.name(f.Target))
	}
	if f.Op != "" {
		parts = append(parts, "operation "+f.Op.Label())
	}
	if f.Outcome != "" {
		parts = append(parts, "outcome "+outcomeLabel(f.Outcome))
	}
	if f.Run != 0 {
		parts = append(parts, fmt.Sprintf("run #%d", f.Run))
	}
	if !f.Since.IsZero() {
		parts = append(parts, "from "+strings.TrimSpace(s.from.Text))
	}
	if !f.Until.IsZero() {
		parts = append(parts, "to "+strings.TrimSpace(s.to.Text))
	}
	if len(parts) == 0 {
		return "Exports the whole audit log, oldest entry first."
	}
	return "Exports every entry that matches the filters (" + strings.Join(parts, ", ") + "), not only those shown, oldest first."
}

// defaultExportName is the file name an export suggests.
func (s *auditScreen) defaultExportName() string {
	return fmt.Sprintf("provisio-audit-%s.csv", s.w.app.Today())
}

// defaultExportPath suggests the user's documents folder, else their
// home, else the workspace.
func (s *auditScreen) defaultExportPath() string {
	dir := s.w.app.Dir()
	if home, err := os.UserHomeDir(); err == nil {
		dir = home
		if st, err := os.Stat(filepath.Join(home, "Documents")); err == nil && st.IsDir() {
			dir = filepath.Join(home, "Documents")
		}
	}
	return filepath.Join(dir, s.defaultExportName())
}

// checkExportPath says what is wrong with a path to export to.
func checkExportPath(path string) error {
	switch {
	case path == "":
		return engine.Errorf(engine.Invalid, "Give the file to save the export in.")
	case !filepath.IsAbs(path):
		return engine.Errorf(engine.Invalid, "Give the whole path of the file, such as %s.", filepath.Join(string(filepath.Separator)+"home", "me", "audit.csv"))
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return engine.Errorf(engine.Invalid, "The folder %s does not exist.", dir)
	case !st.IsDir():
		return engine.Errorf(engine.Invalid, "%s is not a folder.", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return engine.Errorf(engine.Invalid, "%s is a folder: give a file name in it.", path)
	}
	return nil
}

// exportTo writes the entries that match in the background, with Cancel.
func (s *auditScreen) exportTo(path string, f engine.AuditFilter, person, fixedLabel, fixedID string) {
	persons := s.persons
	s.exportBtn.Disable()
	s.setStatus("", widget.MediumImportance)
	started := s.busy.start(s.w.jobs, fmt.Sprintf("Exporting the audit log to %s…", filepath.Base(path)), func(ctx context.Context) func() {
		n := 0
		m := matchPerson(persons, person, fixedLabel, fixedID)
		var err error
		if m.unsure {
			err = engine.Errorf(engine.Invalid, "%s", m.hint)
		} else {
			f.Person, f.Limit = m.id, 0
			err = writeFileAtomically(path, func(w io.Writer) error {
				var err error
				n, err = s.w.app.ExportAuditCSV(ctx, f, w)
				return err
			})
		}
		return func() {
			s.exportBtn.Enable()
			switch {
			case err == nil:
				s.setStatus(fmt.Sprintf("Exported %s to %s.", plural(n, "entry", "entries"), path), widget.SuccessImportance)
			case engine.IsCode(err, engine.Canceled):
				s.setStatus("The export was cancelled: no file was written.", widget.MediumImportance)
			default:
				s.setStatus(fmt.Sprintf("The export failed, and no file was written: %v", err), widget.DangerImportance)
			}
		}
	})
	if !started {
		s.exportBtn.Enable()
		s.setStatus("Wait for the verification or export that is going to finish, or cancel it.", widget.WarningImportance)
	}
}

// writeFileAtomically writes a file whole or not at all: write fills a
// temporary file in the same folder, which is flushed to disk and renamed
// over path only when write succeeded. A file that was at path keeps its
// permissions.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return engine.Wrap(engine.Invalid, err, "cannot write in the folder %s", dir)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return engine.Wrap(engine.Unavailable, err, "write %s", tmp.Name())
	}
	if err := tmp.Chmod(mode); err != nil {
		return engine.Wrap(engine.Unavailable, err, "set the permissions of %s", tmp.Name())
	}
	if err := tmp.Sync(); err != nil {
		return engine.Wrap(engine.Unavailable, err, "flush %s to disk", tmp.Name())
	}
	if err := tmp.Close(); err != nil {
		return engine.Wrap(engine.Unavailable, err, "write %s", tmp.Name())
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return engine.Wrap(engine.Unavailable, err, "replace %s", path)
	}
	done = true
	return nil
}
