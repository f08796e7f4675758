# frames.gp - one master's late frames (% of its frames) and display line underruns
# per page-size policy, in two panels. Columns: policy, late_pct, underruns.
load plotsdir.'/common.gp'

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key off
set title

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    set multiplot layout 2,1 title title."\n".subtitle
    set xlabel ''
    set ylabel 'late frames (% of frames)'
    if (top(2) > 0) { set yrange [0:*] } else { set yrange [0:1] }
    plot datafile using 2:xtic(1) lc 1
    set xlabel 'page-size policy'
    set ylabel 'line underruns (count)'
    if (top(3) > 0) { set yrange [0:*] } else { set yrange [0:1] }
    plot datafile using 3:xtic(1) lc 2
    unset multiplot
    unset output
}
