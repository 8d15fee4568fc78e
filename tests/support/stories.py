"""Coverage of one Ofsted report as a trade title and a local paper told it, and another
council's report told to the same template: texts for same-story grouping."""

from __future__ import annotations

# One Ofsted report, as a trade title and a local paper told it: different headlines, order
# and framing, the same quotations from the report and from the council.
TRADE = """Harrowfield children's services rated inadequate as inspectors find 'drift and delay'
Ofsted has rated Harrowfield Council's children's services inadequate, two years after they were judged to require improvement.
Inspectors who visited in September found that "too many children experience drift and delay in having their needs assessed and met", and that managers did not have an accurate picture of practice on the front line.
Caseloads in the assessment teams were described as "unmanageably high", with some social workers holding more than 30 children.
The report said that the council's senior leaders "have been too slow to respond to the findings of the last inspection".
Children in care were judged to be better served, with inspectors noting stable placements and strong relationships with their social workers.
Councillor Maria Okafor, the cabinet member for children, said: "We accept the findings in full and we are sorry that we have not done better for every child."
The Department for Education is expected to appoint a commissioner to review whether the service should remain under council control."""

LOCAL = """Council vows to act after damning Ofsted verdict on children's services
Harrowfield's services for vulnerable children have been rated inadequate by Ofsted, the lowest grade the watchdog can give.
The council's cabinet member for children, Maria Okafor, said: "We accept the findings in full and we are sorry that we have not done better for every child."
Inspectors who visited in September found that "too many children experience drift and delay in having their needs assessed and met".
They also said senior leaders "have been too slow to respond to the findings of the last inspection" in 2024.
Parents contacted the Gazette to say they had waited months for an assessment.
The service was rated as requiring improvement at its previous full inspection.
A government-appointed commissioner is now expected to decide whether the council should keep running the service."""

# Another council, the same week, told to the same template by the same trade title.
OTHER_COUNCIL = """Dunmere children's services rated inadequate after inspectors find weak front door
Ofsted has rated Dunmere Council's children's services inadequate, down from good at its last inspection in 2022.
Inspectors said that referrals to the front door were not screened quickly enough, and that risk to some children was not recognised for several weeks.
The report praised the council's work with care leavers, who said they felt listened to by their personal advisers.
High turnover of agency staff meant that many children had had four or more social workers in a year.
Council leader Tom Hirst said: "This is not the report we wanted. We have already put more managers into the front door and we will do whatever it takes."
The Department for Education is expected to issue an improvement notice."""
