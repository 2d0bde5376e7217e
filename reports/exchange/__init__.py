"""Exchange: an issued report as an edXML package (QCVN 102:2016/BTTTT), and packages read back.

A stage above approval (it packs the frozen files of an approved draft) and below schedule.
"""
