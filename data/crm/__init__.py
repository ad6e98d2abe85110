"""The CRM round trip (issue 13): a Salesforce export read in (``importing``), what the team
lead resolved written back as Data Loader update files (``exporting``), and the mapping file
both follow (``mapping``)."""
