package plan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"github.com/xuri/excelize/v2"
)

// The workbook reader. excelize opens the workbook: the zip and its
// limits, the workbook part, the list of sheets. The chosen sheet's XML is
// then read here, token by token, because excelize's row reader
// (Rows.Columns) gives strings only: it cannot tell the number 7 from the
// text "007", nor a formula without a cached value from an empty cell, and
// GetCellType loads the whole sheet into memory. The cells then go
// through the CSV reader's header mapping and row filling unchanged.

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Limits of a workbook's uncompressed parts: a part up to maxPartXML is
// kept in memory (a sheet of 1,000,000 rows of a few cells is about 100
// MB); all of them together up to maxWorkbook, against zip bombs.
const (
	maxPartXML  = 512 << 20
	maxWorkbook = 1 << 30
)

// readXLSX reads a workbook plan from r: the sheet named sheet (in any
// case), or the first. It returns the sheet's name as the workbook gives
// it; a workbook it cannot read is a problem of the plan (ErrWorkbook).
func readXLSX(b *builder, r io.Reader, sheet string) (string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if msg := notZip(data); msg != "" {
		b.ps.addFatal(0, "", "", newProblem(ErrWorkbook, msg))
		return "", nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipXMLSizeLimit: maxPartXML, UnzipSizeLimit: maxWorkbook})
	if err != nil {
		b.ps.addFatal(0, "", "", newProblem(ErrWorkbook, "not a workbook voxbatch can read ("+err.Error()+
			"); open it in Excel and save it as an Excel Workbook (.xlsx)"))
		return "", nil
	}
	defer f.Close()
	name, part, msg := findSheet(f, sheet)
	if msg != "" { // the message names the sheet
		b.ps.addFatal(0, "", "", newProblem(ErrWorkbook, msg))
		return "", nil
	}
	sst, err := sharedStrings(f)
	if err != nil {
		b.ps.addFatal(0, "", "", newProblem(ErrWorkbook, "its shared strings cannot be read: "+err.Error()))
		return name, nil
	}
	s := newSheetReader(part, sst)
	if err := b.readSheet(s); err != nil {
		b.ps.addFatal(s.row, "", "", newProblem(ErrWorkbook, "the sheet cannot be read: "+err.Error()))
	}
	return name, nil
}

// notZip says what data is when it is not a zip archive, as every .xlsx
// workbook is; "" when it is one.
func notZip(data []byte) string {
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return ""
	case bytes.HasPrefix(data, oleMagic):
		return oleKind(data)
	case len(data) == 0:
		return "the file is empty, not a workbook"
	}
	if looksText(data[:min(len(data), 512)]) {
		return "not a workbook (an .xlsx is a zip archive) but text: a CSV plan is read when its name ends in .csv"
	}
	return "not a workbook: an .xlsx is a zip archive, and this file is not one"
}

// looksText reports whether head, the start of a file, is UTF-8 text
// without NUL bytes (its last character may be cut).
func looksText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	for cut := 0; cut < utf8.UTFMax && len(head) > 0; cut++ {
		if utf8.Valid(head) {
			return true
		}
		head = head[:len(head)-1]
	}
	return false
}

// oleKind tells an old binary .xls from a password-protected workbook:
// both are OLE2 compound files, the one holding a Workbook stream, the
// other an EncryptedPackage.
func oleKind(data []byte) string {
	if doc, err := mscfb.New(bytes.NewReader(data)); err == nil {
		for _, e := range doc.File {
			switch e.Name {
			case "EncryptedPackage", "EncryptionInfo":
				return "a password-protected workbook: voxbatch does not read encrypted workbooks; " +
					"save a copy without the password (File > Info > Protect Workbook)"
			case "Workbook", "Book":
				return "an old binary Excel 97-2003 workbook (.xls), whatever its name says: " +
					"save it as an Excel Workbook (.xlsx)"
			}
		}
	}
	return "an old .xls or a password-protected workbook (an OLE2 compound file, not a zip): " +
		"save it as an Excel Workbook (.xlsx) without a password"
}

// findSheet returns the sheet named want (in any case; the first sheet
// when want is ""), its name as the workbook has it and its XML; or a
// message saying why it cannot be read.
func findSheet(f *excelize.File, want string) (name string, part []byte, msg string) {
	names := f.GetSheetList()
	if len(names) == 0 || f.WorkBook == nil {
		return "", nil, "the workbook has no sheets"
	}
	i := 0
	if want != "" {
		if i = sheetIndex(names, want); i < 0 {
			return "", nil, "no sheet " + quote(want) + " in the workbook; its sheets: " + quoteList(names, 20)
		}
	}
	name = names[i]
	rels, wbDir, err := workbookRels(f)
	if err != nil {
		return name, nil, "its relationships cannot be read: " + err.Error()
	}
	rid := f.WorkBook.Sheets.Sheet[i].ID
	rel, ok := rels[rid]
	switch {
	case !ok:
		return name, nil, "sheet " + quote(name) + " has no part in the workbook"
	case strings.HasSuffix(rel.Type, "/chartsheet"):
		return name, nil, "sheet " + quote(name) + " is a chart sheet, not a sheet of rows; choose the sheet that holds the plan (--sheet)"
	case !strings.HasSuffix(rel.Type, "/worksheet"):
		return name, nil, "sheet " + quote(name) + " is not a worksheet; choose the sheet that holds the plan (--sheet)"
	}
	p := partPath(wbDir, rel.Target)
	v, ok := f.Pkg.Load(p)
	if !ok {
		return name, nil, "sheet " + quote(name) + " is missing from the workbook, or its XML is over " +
			strconv.Itoa(maxPartXML>>20) + " MB"
	}
	part, _ = v.([]byte)
	return name, part, ""
}

// sheetIndex finds want in names: the same name, else the same in any
// case (as Excel tells sheets apart); -1 when none.
func sheetIndex(names []string, want string) int {
	for i, n := range names {
		if n == want {
			return i
		}
	}
	for i, n := range names {
		if strings.EqualFold(n, want) {
			return i
		}
	}
	return -1
}

// quoteList quotes at most n of names, joined by commas.
func quoteList(names []string, n int) string {
	var b strings.Builder
	for i, s := range names {
		if i == n {
			b.WriteString(", … (" + strconv.Itoa(len(names)) + " sheets)")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(s))
	}
	return b.String()
}

// relationship is one entry of a part's relationships.
type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

// readRels reads the relationships part at p of f, by Id.
func readRels(f *excelize.File, p string) (map[string]relationship, error) {
	v, ok := f.Pkg.Load(p)
	if !ok {
		return nil, errors.New(p + " is missing")
	}
	data, _ := v.([]byte)
	var rels struct {
		Rel []relationship `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &rels); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	m := make(map[string]relationship, len(rels.Rel))
	for _, r := range rels.Rel {
		m[r.ID] = r
	}
	return m, nil
}

// workbookRels returns the relationships of the workbook part and its
// folder, which relative targets start from.
func workbookRels(f *excelize.File) (map[string]relationship, string, error) {
	root, err := readRels(f, "_rels/.rels")
	if err != nil {
		return nil, "", err
	}
	wb := "xl/workbook.xml"
	for _, r := range root {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wb = partPath("", r.Target)
		}
	}
	dir := path.Dir(wb)
	rels, err := readRels(f, path.Join(dir, "_rels", path.Base(wb)+".rels"))
	return rels, dir, err
}

// partPath is the name in the zip of a relationship's target: absolute
// ("/xl/worksheets/sheet1.xml") or relative to dir.
func partPath(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(dir, target), "/")
}

// sharedStrings reads the workbook's table of shared strings: the text of
// most cells of text, which refer to it by index. A workbook may have none.
func sharedStrings(f *excelize.File) ([]string, error) {
	v, ok := f.Pkg.Load("xl/sharedStrings.xml") // excelize files the part under this name
	if !ok {
		return nil, nil
	}
	data, _ := v.([]byte)
	return readSST(xml.NewDecoder(bytes.NewReader(data)))
}
