# test/shell_neutral.sed: the sqlite3 shell's own wording of an error, made
# the same for every SQLite version the suite runs on. test/run passes both
# the expected and the actual output of a golden file through it (scripts
# may too), so an .expected file holds what the shell of Debian 12 (3.40)
# prints and still matches a newer shell.
#
#   3.40: Runtime error near line 5: UNIQUE constraint failed: t.a (19)
#   3.40: Runtime error near line 5: cannot commit - no transaction is active
#   3.52: Error near line 5: UNIQUE constraint failed: t.a
#   3.40: Error: stepping, UNIQUE constraint failed: t.a (19)   (-cmd, argv)
#   3.52: Error: UNIQUE constraint failed: t.a
#
# Both become the newer form; the message itself is never touched.
s/^Runtime error near line \([0-9][0-9]*\): \(.*\) ([0-9][0-9]*)$/Error near line \1: \2/
s/^Runtime error near line \([0-9][0-9]*\): /Error near line \1: /
s/^Error: stepping, \(.*\) ([0-9][0-9]*)$/Error: \1/
#
# .mode box: 3.52 draws rounded corners and a double rule under the header,
# and right-aligns numbers. Both become the 3.40 drawing, with the padding
# inside cells squeezed to one space (the cells' text is still compared).
s/╭/┌/g
s/╮/┐/g
s/╰/└/g
s/╯/┘/g
s/╞/├/g
s/╪/┼/g
s/╡/┤/g
s/═/─/g
/^│/s/  */ /g
#
# The line .dbconfig prints when test/run sets DEFENSIVE off.
/^ *defensive off$/d
