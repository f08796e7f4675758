# common.gp - what every figure of `iommusim plot` shares; each script loads it first.
#
# sim/cli/plot_gnuplot.c runs one script per figure, setting its variables with -e:
#   plotsdir  this directory             datafile  PLOTDIR/NAME.dat
#   outbase   PLOTDIR/NAME (no suffix)   ncol      the data file's columns
#   title     "SCENARIO: what is drawn"  subtitle  its subject, the params held
#   colmax    each column's largest value, space-separated (0 when none is above 0)
# NAME.dat holds comment lines (#), a line naming the columns, then the rows; '?'
# is a value that no point of the sweep has. A script draws its figure once per
# word of `formats` (png svg, and pdf when this gnuplot has the pdfcairo terminal),
# into outbase.FORMAT, after `eval(terminal(FORMAT))`.

# Sizes and fonts for a paper: text as large as a figure's caption once the image
# is scaled to a column (960 x 600 pixels; 6 x 3.75 inches for the PDF).
png_font = 'Sans,15'
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    png_terminal = "set terminal pngcairo size 960,600 noenhanced font '".png_font."' linewidth 1.5"
} else {
    png_terminal = "set terminal png size 960,600 noenhanced font 'Sans,12'"
}
svg_terminal = "set terminal svg size 960,600 noenhanced font 'Sans,15' linewidth 1.5 background rgb 'white'"
pdf_terminal = "set terminal pdfcairo size 6in,3.75in noenhanced font 'Sans,9' linewidth 1.5"
has_pdf = strstrt(GPVAL_TERMINALS, 'pdfcairo') > 0
formats = has_pdf ? 'png svg pdf' : 'png svg'
terminal(f) = f eq 'png' ? png_terminal : f eq 'svg' ? svg_terminal : pdf_terminal

# Lines told apart without colour: each series has its own colour (the Okabe-Ito
# palette, distinguishable with the common colour-vision deficiencies), dash
# pattern and point shape, so a figure survives a grey-scale print, and two lines
# drawn one over the other still show both point shapes.
set linetype 1 lc rgb '#0072b2' lw 2 dt 1 pt 7 ps 1.2
set linetype 2 lc rgb '#d55e00' lw 2 dt 2 pt 5 ps 1.2
set linetype 3 lc rgb '#009e73' lw 2 dt 3 pt 9 ps 1.4
set linetype 4 lc rgb '#cc79a7' lw 2 dt 4 pt 11 ps 1.4
set linetype 5 lc rgb '#e69f00' lw 2 dt 5 pt 13 ps 1.4
set linetype 6 lc rgb '#56b4e9' lw 2 dt (8,4,2,4,2,4) pt 6 ps 1.2
set linetype 7 lc rgb '#000000' lw 2 dt (2,2) pt 4 ps 1.2
set linetype 8 lc rgb '#f0e442' lw 2 dt (12,4) pt 8 ps 1.4
set linetype cycle 8

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
# A value for a logarithmic axis: what is not above 0 cannot be drawn there (its
# number stays in the data file).
positive(v) = v > 0 ? v : NaN
