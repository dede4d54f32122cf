import {
  Admin,
  Create,
  Datagrid,
  DateField,
  Edit,
  List,
  Resource,
  SimpleForm,
  TextField,
  TextInput,
  required,
} from 'react-admin';

import { ArticleCreate, ArticleEdit, ArticleList } from './articles.jsx';
import { authProvider, dataProvider } from './masthead.js';

const NamedList = () => (
  <List sort={{ field: 'name', order: 'ASC' }} filters={[<TextInput key="q" source="q" label="Search" alwaysOn />]}>
    <Datagrid rowClick="edit">
      <TextField source="name" />
      <TextField source="slug" />
      <DateField source="updated_at" showTime />
    </Datagrid>
  </List>
);

const NamedForm = ({ about }) => (
  <SimpleForm>
    <TextInput source="name" validate={required()} fullWidth />
    <TextInput source="slug" helperText="Made from the name when empty" fullWidth />
    <TextInput source={about} multiline minRows={3} fullWidth />
  </SimpleForm>
);

export const App = () => (
  <Admin dataProvider={dataProvider} authProvider={authProvider} title="Masthead" requireAuth disableTelemetry>
    <Resource name="articles" list={ArticleList} edit={ArticleEdit} create={ArticleCreate} recordRepresentation="title" />
    <Resource
      name="authors"
      list={NamedList}
      edit={() => (
        <Edit mutationMode="pessimistic">
          <NamedForm about="bio" />
        </Edit>
      )}
      create={() => (
        <Create redirect="list">
          <NamedForm about="bio" />
        </Create>
      )}
      recordRepresentation="name"
    />
    <Resource
      name="tags"
      list={NamedList}
      edit={() => (
        <Edit mutationMode="pessimistic">
          <NamedForm about="description" />
        </Edit>
      )}
      create={() => (
        <Create redirect="list">
          <NamedForm about="description" />
        </Create>
      )}
      recordRepresentation="name"
    />
  </Admin>
);
