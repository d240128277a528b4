package plan_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/voxbatch/voxbatch/plan"
)

// Workbooks for the tests, generated: with excelize (typed cells as Excel
// writes them) or by hand (the XML of a sheet exactly as a test needs it).

// sheet is a sheet of a generated workbook: rows of cells, each a Go value
// (int, float64, bool, string), a formula, or nil for no cell; a nil row
// is a row left out.
type sheet struct {
	name string
	rows [][]any
}

// formula is a formula cell; value is its saved value, nil for none.
type formula struct {
	f     string
	value any
}

// streamBook writes sheets with excelize's stream writer (text as inline
// strings) and returns the workbook.
func streamBook(t testing.TB, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			must(t, f.SetSheetName("Sheet1", sh.name))
		} else if _, err := f.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		sw, err := f.NewStreamWriter(sh.name)
		must(t, err)
		for r, row := range sh.rows {
			if row == nil {
				continue
			}
			cells := make([]any, len(row))
			for i, v := range row {
				if fm, ok := v.(formula); ok {
					v = excelize.Cell{Formula: fm.f, Value: fm.value}
				}
				cells[i] = v
			}
			must(t, sw.SetRow("A"+strconv.Itoa(r+1), cells))
		}
		must(t, sw.Flush())
	}
	buf, err := f.WriteToBuffer()
	must(t, err)
	return buf.Bytes()
}

// cellBook writes sheets cell by cell (text as shared strings, as Excel
// saves it) and returns the workbook.
func cellBook(t testing.TB, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			must(t, f.SetSheetName("Sheet1", sh.name))
		} else if _, err := f.NewSheet(sh.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sh.rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				ref, err := excelize.CoordinatesToCellName(c+1, r+1)
				must(t, err)
				must(t, f.SetCellValue(sh.name, ref, v))
			}
		}
	}
	buf, err := f.WriteToBuffer()
	must(t, err)
	return buf.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawBook returns a workbook of one sheet, "Plan", whose <sheetData> is
// data as given, with the shared strings sst.
func rawBook(t testing.TB, data string, sst ...string) []byte {
	t.Helper()
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	var si strings.Builder
	for _, s := range sst {
		si.WriteString("<si><t>" + s + "</t></si>")
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `worksheet" Target="/xl/worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data + `</sheetData></worksheet>`},
		{"xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="` +
			strconv.Itoa(len(sst)) + `" uniqueCount="` + strconv.Itoa(len(sst)) + `">` + si.String() + `</sst>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		must(t, err)
		_, err = w.Write([]byte(p.body))
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// loadBook loads data as the workbook plan "book.xlsx".
func loadBook(t testing.TB, data []byte, opts plan.Options) (*plan.Plan, error) {
	t.Helper()
	return plan.Load("book.xlsx", bytes.NewReader(data), opts)
}

// mustLoadBook loads data as "book.xlsx" and fails the test on an error.
func mustLoadBook(t testing.TB, data []byte, opts plan.Options) *plan.Plan {
	t.Helper()
	p, err := loadBook(t, data, opts)
	if err != nil {
		t.Fatalf("Load(book.xlsx): %v", err)
	}
	return p
}

// compoundFile returns an OLE2 compound file (CFB version 3) holding one
// stream of 4096 bytes named stream, as an old .xls holds "Workbook".
func compoundFile(stream string) []byte {
	const (
		sec        = 512
		free       = 0xFFFFFFFF
		endOfChain = 0xFFFFFFFE
		fatSect    = 0xFFFFFFFD
	)
	le := binary.LittleEndian
	buf := make([]byte, sec*11) // header, FAT, directory, 8 sectors of the stream
	h := buf[:sec]
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], 1)    // FAT sectors
	le.PutUint32(h[48:], 1)    // first directory sector
	le.PutUint32(h[56:], 4096) // mini stream cutoff
	le.PutUint32(h[60:], endOfChain)
	le.PutUint32(h[68:], endOfChain)
	for i := range 109 {
		le.PutUint32(h[76+4*i:], free)
	}
	le.PutUint32(h[76:], 0) // the FAT is sector 0
	fat := buf[sec : 2*sec]
	for i := range 128 {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain)
	for s := 2; s <= 9; s++ {
		next := uint32(s + 1)
		if s == 9 {
			next = endOfChain
		}
		le.PutUint32(fat[4*s:], next)
	}
	dir := buf[2*sec : 3*sec]
	entry := func(e []byte, name string, typ byte, child, start uint32, size uint64) {
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		if name != "" {
			le.PutUint16(e[64:], uint16(2*len(u)+2))
		}
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], free)
		le.PutUint32(e[72:], free)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(dir[0:128], "Root Entry", 5, 1, endOfChain, 0)
	entry(dir[128:256], stream, 2, free, 2, 4096)
	entry(dir[256:384], "", 0, free, 0, 0)
	entry(dir[384:512], "", 0, free, 0, 0)
	return buf
}
