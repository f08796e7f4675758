# common.gp - what every figure of `iommusim plot` shares; each script loads it first.
#
# sim/cli/plot_gnuplot.c runs one script per figure, setting its variables with -e:
#   plotsdir  this directory             datafile  PLOTDIR/NAME.dat
#   outbase   PLOTDIR/NAME (no suffix)   ncol      the data file's columns
#   title     "SCENARIO: what is drawn"  subtitle  its subject, the params held
#   colmax    each column's largest value, space-separated (0 when none is above 0)
# NAME.dat holds comment lines (#), a line naming the columns, then the rows; '?'
# is a value that no point of the sweep has. A script draws its figure twice,
# into outbase.png and outbase.svg, running png_terminal and then svg_terminal.

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    png_terminal = "set terminal pngcairo size 960,600 noenhanced font 'Sans,11'"
} else {
    png_terminal = "set terminal png size 960,600 noenhanced"
}
svg_terminal = "set terminal svg size 960,600 noenhanced font 'Sans,11' background rgb 'white'"

set datafile missing '?'
set key autotitle columnheader
set key outside right top vertical
set grid ytics lc rgb '#d0d0d0'
set border 3
set tics nomirror
set title title."\n".subtitle

# The largest value of column i, and of every column but the first. A range whose
# data are all 0 is set by hand: gnuplot would warn about an empty range.
top(i) = real(word(colmax, i))
ymax = 0
do for [i=2:ncol] {
    if (top(i) > ymax) { ymax = top(i) }
}
