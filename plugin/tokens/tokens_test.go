package tokens

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoneapi/zoneapi/plugin/auth"
)

func none(string) bool { return false }

func TestTokensAreKeptHashedAndComeBack(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.Create(&Issued{Token: auth.Token{Name: "agent", Zones: []string{"example.org."}}, Expires: time.Now().Add(time.Hour)}, none)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(&Issued{Token: auth.Token{Name: "agent"}}, none); err == nil {
		t.Fatal("a second token of one name")
	}
	data, _ := os.ReadFile(filepath.Join(dir, Dir, File))
	if strings.Contains(string(data), secret) || !strings.Contains(string(data), "agent") {
		t.Fatalf("the file:\n%s", data)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tk := again.Find(secret); tk == nil || tk.Name != "agent" || tk.Zones[0] != "example.org." {
		t.Fatalf("after opening again: %+v", tk)
	}
	if again.Find(secret+"x") != nil {
		t.Fatal("another secret found a token")
	}
	again.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if again.Find(secret) != nil {
		t.Fatal("an expired token was found")
	}
	id := again.List()[0].ID
	if _, err := again.Revoke(id); err != nil {
		t.Fatal(err)
	}
	if third, _ := Open(dir); third.Find(secret) != nil || len(third.List()) != 0 {
		t.Fatal("a revoked token came back")
	}
}

// BenchmarkFind: the token of a request found among 1 and 1,000.
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, _ := Open(b.TempDir())
			var last string
			for i := range n {
				last, _ = s.Create(&Issued{Token: auth.Token{Name: fmt.Sprintf("t%d", i)}}, none)
			}
			for b.Loop() {
				if s.Find(last) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}
